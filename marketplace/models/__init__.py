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
from marketplace.models.payment import Payment, PaymentStatus, Refund, StripeEvent
from marketplace.models.reservation import (
    HOLDING,
    OCCUPYING,
    EventKind,
    Notification,
    Reservation,
    ReservationEvent,
    ReservationStatus,
)
from marketplace.models.site import Site
from marketplace.models.user import Language, Role, SignIn, User

__all__ = [
    "HOLDING",
    "OCCUPYING",
    "AuditEvent",
    "Category",
    "CategoryKind",
    "Condition",
    "EventKind",
    "HazardStatus",
    "Language",
    "Listing",
    "ListingKind",
    "ListingPhoto",
    "ListingSource",
    "ListingStatus",
    "MemberRole",
    "Membership",
    "Notification",
    "Organisation",
    "OrganisationKind",
    "Payment",
    "PaymentStatus",
    "Refund",
    "StripeEvent",
    "PriceModel",
    "Reservation",
    "ReservationEvent",
    "ReservationStatus",
    "Role",
    "SignIn",
    "Site",
    "Unit",
    "User",
]
