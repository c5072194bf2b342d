"""How the product's values read in the user's language: names for the values of its enums,
and numbers and quantities with their unit."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from flask_babel import LazyString, format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from marketplace.models import (
    CategoryKind,
    Condition,
    HazardStatus,
    ListingKind,
    ListingStatus,
    MemberRole,
    OrganisationKind,
    PaymentStatus,
    PriceModel,
    ReservationStatus,
    Role,
    Unit,
)

LABELS: dict[StrEnum, LazyString] = {
    OrganisationKind.CONTRACTOR: _l("Contractor"),
    OrganisationKind.BUSINESS: _l("Business"),
    OrganisationKind.RENTAL_PARTNER: _l("Rental partner"),
    OrganisationKind.PUBLIC_BODY: _l("Public body"),
    MemberRole.OWNER: _l("Owner"),
    MemberRole.MEMBER: _l("Member"),
    Role.MEMBER: _l("Member"),
    Role.MODERATOR: _l("Moderator"),
    Role.ADMIN: _l("Administrator"),
    ListingKind.MATERIAL: _l("Material offered"),
    ListingKind.EQUIPMENT: _l("Equipment for rent"),
    ListingKind.WANTED: _l("Wanted"),
    ListingStatus.DRAFT: _l("Draft"),
    ListingStatus.ACTIVE: _l("Published"),
    ListingStatus.PAUSED: _l("Paused"),
    ListingStatus.CLOSED: _l("Closed"),
    ListingStatus.EXPIRED: _l("Expired"),
    ListingStatus.REMOVED: _l("Removed by a moderator"),
    Condition.NEW_SURPLUS: _l("New, surplus"),
    Condition.LIKE_NEW: _l("Like new"),
    Condition.GOOD: _l("Good"),
    Condition.FAIR: _l("Fair"),
    Condition.FOR_PARTS: _l("For parts or material"),
    PriceModel.FREE: _l("Free"),
    PriceModel.PER_UNIT: _l("Price per unit"),
    PriceModel.PER_LOT: _l("One price for the lot"),
    PriceModel.RENTAL: _l("Rent per day or week"),
    HazardStatus.DECLARED_CLEAN: _l("Surveyed: no asbestos, PCB or contamination found"),
    HazardStatus.ASBESTOS: _l("Contains asbestos"),
    HazardStatus.PCB: _l("Contains PCB"),
    HazardStatus.CONTAMINATED: _l("Contaminated with other hazardous substances"),
    CategoryKind.MATERIAL: _l("Materials"),
    CategoryKind.EQUIPMENT: _l("Equipment"),
    Unit.PCS: _l("pcs"),
    Unit.M: _l("m"),
    Unit.M2: _l("m²"),
    Unit.M3: _l("m³"),
    Unit.KG: _l("kg"),
    Unit.T: _l("t"),
    Unit.SET: _l("sets"),
    ReservationStatus.PENDING_PAYMENT: _l("Waiting for payment"),
    ReservationStatus.REQUESTED: _l("Requested"),
    ReservationStatus.ACCEPTED: _l("Accepted"),
    ReservationStatus.COMPLETED: _l("Handed over"),
    ReservationStatus.DECLINED: _l("Declined"),
    ReservationStatus.CANCELLED: _l("Cancelled"),
    ReservationStatus.EXPIRED: _l("Expired"),
    PaymentStatus.OPEN: _l("Waiting for payment"),
    PaymentStatus.PAID: _l("Paid"),
    PaymentStatus.FAILED: _l("Payment failed"),
    PaymentStatus.EXPIRED: _l("Not paid in time"),
    PaymentStatus.REFUNDED: _l("Refunded"),
    PaymentStatus.PARTIALLY_REFUNDED: _l("Partly refunded"),
}


def label(value: StrEnum) -> str:
    return str(LABELS.get(value, value.value))


def number(value: Decimal) -> str:
    return str(format_decimal(value, format="#,##0.###"))


def quantity(value: Decimal, unit: Unit) -> str:
    return f"{number(value)} {label(unit)}"


def choices(enum_class: type[StrEnum]) -> list[SelectChoice]:
    """SelectField choices; the labels are resolved when the form renders, in its language."""
    return [SelectChoice(member.value, LABELS[member]) for member in enum_class]
