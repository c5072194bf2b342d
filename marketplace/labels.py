"""Human names, in the user's language, for the values of the product's enums."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from marketplace.models import MemberRole, OrganisationKind, Role

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
}


def label(value: StrEnum) -> str:
    return str(LABELS.get(value, value.value))


def choices(enum_class: type[StrEnum]) -> list[SelectChoice]:
    """SelectField choices; the labels are resolved when the form renders, in its language."""
    return [SelectChoice(member.value, LABELS[member]) for member in enum_class]
