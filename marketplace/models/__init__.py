"""All models, imported together so that relationships between aggregates resolve."""

from marketplace.models.audit import AuditEvent
from marketplace.models.category import Category, CategoryKind, Unit
from marketplace.models.listing import (
    Condition,
    HazardStatus,
    Listing,
    ListingKind,
    ListingPhoto,
    ListingSource,
    ListingStatus,
    PriceModel,
)
from marketplace.models.organisation import MemberRole, Membership, Organisation, OrganisationKind
from marketplace.models.site import Site
from marketplace.models.user import Language, Role, SignIn, User

__all__ = [
    "AuditEvent",
    "Category",
    "CategoryKind",
    "Condition",
    "HazardStatus",
    "Language",
    "Listing",
    "ListingKind",
    "ListingPhoto",
    "ListingSource",
    "ListingStatus",
    "MemberRole",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "PriceModel",
    "Role",
    "SignIn",
    "Site",
    "Unit",
    "User",
]
