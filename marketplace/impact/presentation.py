"""How impact figures read: kilograms or tonnes, CO2e, months, in the reader's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

TONNE = Decimal(1000)
# From here on a figure reads better in tonnes.
TONNES_FROM = Decimal(10_000)


def number(value: Decimal | int, places: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return str(format_decimal(Decimal(value), format=pattern))


def mass(kg: Decimal) -> str:
    if kg >= TONNES_FROM:
        return str(_("%(amount)s t", amount=number(kg / TONNE, 1)))
    return str(_("%(amount)s kg", amount=number(kg)))


def co2e(kg: Decimal) -> str:
    if kg >= TONNES_FROM:
        return str(_("%(amount)s t CO2e", amount=number(kg / TONNE, 1)))
    return str(_("%(amount)s kg CO2e", amount=number(kg)))


def month(first_day: date) -> str:
    return str(format_date(first_day, "LLLL yyyy"))


def source_entry(source: str) -> tuple[str, str, str]:
    """A factor's source split into the publication, its short name and the entry taken from
    it: "ICE v2.0 (Hammond & Jones, University of Bath): common brick 0.24 kg CO2e/kg" gives
    the publication, "ICE v2.0" and "common brick 0.24 kg CO2e/kg", so that a table of factors
    can name each publication once, above it."""
    head, found, entry = source.partition("): ")
    if not found:
        return source, source, ""
    publication = head + ")"
    return publication, publication.split(" (", 1)[0], entry
