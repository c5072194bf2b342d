"""How the product's values read in the user's language: names for the values of its enums,
and numbers and quantities with their unit."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from flask_babel import LazyString, format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from marketplace.models import (
    CaseStatus,
    CategoryKind,
    ComplaintStatus,
    Condition,
    DecisionAction,
    GroundKind,
    HazardStatus,
    ListingKind,
    ListingStatus,
    MemberRole,
    ModerationTarget,
    NoticeReason,
    OrganisationKind,
    PaymentStatus,
    PriceModel,
    ReservationStatus,
    Role,
    Unit,
    VerificationStatus,
)


def _key(member: StrEnum) -> tuple[type[StrEnum], str]:
    return type(member), member.value


# Keyed by enum and value: members of different enums share values ("open"), and a StrEnum
# member equals its string, so the members themselves would collide as keys.
LABELS: dict[tuple[type[StrEnum], str], LazyString] = {
    _key(OrganisationKind.CONTRACTOR): _l("Contractor"),
    _key(OrganisationKind.BUSINESS): _l("Business"),
    _key(OrganisationKind.RENTAL_PARTNER): _l("Rental partner"),
    _key(OrganisationKind.PUBLIC_BODY): _l("Public body"),
    _key(MemberRole.OWNER): _l("Owner"),
    _key(MemberRole.MEMBER): _l("Member"),
    _key(Role.MEMBER): _l("Member"),
    _key(Role.MODERATOR): _l("Moderator"),
    _key(Role.ADMIN): _l("Administrator"),
    _key(ListingKind.MATERIAL): _l("Material offered"),
    _key(ListingKind.EQUIPMENT): _l("Equipment for rent"),
    _key(ListingKind.WANTED): _l("Wanted"),
    _key(ListingStatus.DRAFT): _l("Draft"),
    _key(ListingStatus.ACTIVE): _l("Published"),
    _key(ListingStatus.PAUSED): _l("Paused"),
    _key(ListingStatus.CLOSED): _l("Closed"),
    _key(ListingStatus.EXPIRED): _l("Expired"),
    _key(ListingStatus.REMOVED): _l("Removed by a moderator"),
    _key(ListingStatus.PENDING_REVIEW): _l("Waiting for a moderator's review"),
    _key(Condition.NEW_SURPLUS): _l("New, surplus"),
    _key(Condition.LIKE_NEW): _l("Like new"),
    _key(Condition.GOOD): _l("Good"),
    _key(Condition.FAIR): _l("Fair"),
    _key(Condition.FOR_PARTS): _l("For parts or material"),
    _key(PriceModel.FREE): _l("Free"),
    _key(PriceModel.PER_UNIT): _l("Price per unit"),
    _key(PriceModel.PER_LOT): _l("One price for the lot"),
    _key(PriceModel.RENTAL): _l("Rent per day or week"),
    _key(HazardStatus.DECLARED_CLEAN): _l("Surveyed: no asbestos, PCB or contamination found"),
    _key(HazardStatus.ASBESTOS): _l("Contains asbestos"),
    _key(HazardStatus.PCB): _l("Contains PCB"),
    _key(HazardStatus.CONTAMINATED): _l("Contaminated with other hazardous substances"),
    _key(CategoryKind.MATERIAL): _l("Materials"),
    _key(CategoryKind.EQUIPMENT): _l("Equipment"),
    _key(Unit.PCS): _l("pcs"),
    _key(Unit.M): _l("m"),
    _key(Unit.M2): _l("m²"),
    _key(Unit.M3): _l("m³"),
    _key(Unit.KG): _l("kg"),
    _key(Unit.T): _l("t"),
    _key(Unit.SET): _l("sets"),
    _key(ReservationStatus.PENDING_PAYMENT): _l("Waiting for payment"),
    _key(ReservationStatus.REQUESTED): _l("Requested"),
    _key(ReservationStatus.ACCEPTED): _l("Accepted"),
    _key(ReservationStatus.COMPLETED): _l("Handed over"),
    _key(ReservationStatus.DECLINED): _l("Declined"),
    _key(ReservationStatus.CANCELLED): _l("Cancelled"),
    _key(ReservationStatus.EXPIRED): _l("Expired"),
    _key(PaymentStatus.OPEN): _l("Waiting for payment"),
    _key(PaymentStatus.PAID): _l("Paid"),
    _key(PaymentStatus.FAILED): _l("Payment failed"),
    _key(PaymentStatus.EXPIRED): _l("Not paid in time"),
    _key(PaymentStatus.REFUNDED): _l("Refunded"),
    _key(PaymentStatus.PARTIALLY_REFUNDED): _l("Partly refunded"),
    _key(VerificationStatus.UNVERIFIED): _l("Not verified"),
    _key(VerificationStatus.PENDING): _l("Waiting for verification"),
    _key(VerificationStatus.VERIFIED): _l("Verified"),
    _key(VerificationStatus.REJECTED): _l("Verification refused"),
    _key(ModerationTarget.LISTING): _l("Listing"),
    _key(ModerationTarget.ORGANISATION): _l("Organisation"),
    _key(ModerationTarget.MESSAGE): _l("Message"),
    _key(ModerationTarget.USER): _l("User account"),
    _key(CaseStatus.OPEN): _l("Open"),
    _key(CaseStatus.DECIDED): _l("Decided"),
    _key(NoticeReason.ILLEGAL_GOODS): _l("Illegal goods"),
    _key(NoticeReason.HAZARDOUS_UNDECLARED): _l("Hazardous material not declared"),
    _key(NoticeReason.STOLEN_GOODS): _l("Stolen goods"),
    _key(NoticeReason.FRAUD_OR_SCAM): _l("Fraud or scam"),
    _key(NoticeReason.PERSONAL_DATA): _l("Someone's personal data"),
    _key(NoticeReason.HATE_OR_HARASSMENT): _l("Hate speech or harassment"),
    _key(NoticeReason.SPAM): _l("Spam"),
    _key(NoticeReason.INTELLECTUAL_PROPERTY): _l("Infringes copyright or a trademark"),
    _key(NoticeReason.OTHER_TERMS): _l("Otherwise against the terms of use"),
    _key(DecisionAction.NO_ACTION): _l("No action"),
    _key(DecisionAction.RESTRICT_VISIBILITY): _l("Hidden from search and browsing"),
    _key(DecisionAction.REMOVE_LISTING): _l("Listing removed"),
    _key(DecisionAction.SUSPEND_TEMPORARILY): _l("Account suspended for a period"),
    _key(DecisionAction.SUSPEND_INDEFINITELY): _l("Account suspended indefinitely"),
    _key(GroundKind.LAW): _l("Illegal under the law"),
    _key(GroundKind.TERMS): _l("Against the terms of use"),
    _key(ComplaintStatus.OPEN): _l("Open"),
    _key(ComplaintStatus.UPHELD): _l("Decision upheld"),
    _key(ComplaintStatus.REVERSED): _l("Decision reversed"),
}


def label(value: StrEnum) -> str:
    return str(LABELS.get(_key(value), value.value))


def number(value: Decimal) -> str:
    return str(format_decimal(value, format="#,##0.###"))


def quantity(value: Decimal, unit: Unit) -> str:
    return f"{number(value)} {label(unit)}"


def choices(enum_class: type[StrEnum]) -> list[SelectChoice]:
    """SelectField choices; the labels are resolved when the form renders, in its language."""
    return [SelectChoice(member.value, LABELS[_key(member)]) for member in enum_class]
