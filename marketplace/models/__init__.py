"""All models, imported together so that relationships between aggregates resolve."""

from marketplace.models.audit import AuditEvent
from marketplace.models.organisation import MemberRole, Membership, Organisation, OrganisationKind
from marketplace.models.site import Site
from marketplace.models.user import Language, Role, SignIn, User

__all__ = [
    "AuditEvent",
    "Language",
    "MemberRole",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "Role",
    "SignIn",
    "Site",
    "User",
]
