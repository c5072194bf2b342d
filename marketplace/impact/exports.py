"""An organisation's handovers as CSV and JSON, shaped for waste reporting (EWC codes,
hazardous flags, quantities, mass and CO2e with the factor and its source)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import HELSINKI, today_in_finland
from marketplace.errors import ValidationError
from marketplace.impact import services
from marketplace.impact.services import Handover, Scope
from marketplace.web.csv_files import BOM as BOM  # readers of the exports check for it
from marketplace.web.csv_files import write_csv
from marketplace.web.links import external_url

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RANGE_PARAMETERS = frozenset({"from", "to"})
COLUMNS = (
    "completed_at",
    "reservation_id",
    "listing_id",
    "listing_title",
    "category",
    "category_name",
    "family",
    "family_name",
    "ewc_code",
    "hazardous",
    "quantity",
    "unit",
    "mass_kg",
    "co2e_kg",
    "emission_factor",
    "emission_factor_source",
    "site",
    "postal_code",
    "city",
)
NUMERIC_COLUMNS = frozenset(
    {"reservation_id", "listing_id", "quantity", "mass_kg", "co2e_kg", "emission_factor"}
)


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    def scope(self, organisation_id: int) -> Scope:
        return replace(
            services.period(self.first_day, self.last_day), organisation_id=organisation_id
        )


def _invalid(message: Any, field: str) -> ValidationError:
    return ValidationError(message, field=field)


def _parse_day(args: Mapping[str, str], name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        if not DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(_l("Give the date as YYYY-MM-DD, e.g. 2026-01-31."), name) from None


def parse_period(args: Mapping[str, str], today: date | None = None) -> Period:
    """The period a request asks for: `from` and `to` (Finnish calendar days, both included).
    Without them, the last twelve months. Reversed, huge or malformed ranges are refused."""
    unknown = sorted(set(args) - RANGE_PARAMETERS)
    if unknown:
        raise _invalid(
            _l("Unknown parameter %(name)s. Use from and to.", name=unknown[0]), unknown[0]
        )
    today = today or today_in_finland()
    last = _parse_day(args, "to") or today
    first = _parse_day(args, "from") or last - timedelta(days=364)
    if first > last:
        raise _invalid(_l("The start date is after the end date."), "from")
    max_days = int(current_app.config["IMPACT_EXPORT_MAX_DAYS"])
    if (last - first).days + 1 > max_days:
        raise _invalid(_l("Export at most %(days)d days at a time.", days=max_days), "to")
    return Period(first, last)


def _decimal(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def record(handover: Handover) -> dict[str, Any]:
    """One handover; unknown figures are null (JSON) or empty (CSV), never zero."""
    reservation, listing, category, site = (
        handover.reservation,
        handover.listing,
        handover.category,
        handover.site,
    )
    completed = reservation.completed_at
    return {
        "completed_at": (
            completed.astimezone(HELSINKI).isoformat(timespec="seconds") if completed else None
        ),
        "reservation_id": reservation.id,
        "listing_id": listing.id,
        "listing_url": external_url("listings.detail", listing_id=listing.id),
        "listing_title": listing.title,
        "category": category.slug,
        "category_name": category.name_en,
        "family": handover.family.slug,
        "family_name": handover.family.name_en,
        "ewc_code": handover.ewc_code,
        "hazardous": handover.hazardous,
        "quantity": _decimal(reservation.quantity),
        "unit": listing.unit.value,
        "mass_kg": _decimal(reservation.mass_kg) or None,
        "co2e_kg": _decimal(reservation.co2e_kg) or None,
        "emission_factor": _decimal(reservation.emission_factor) or None,
        "emission_factor_source": reservation.emission_factor_source,
        "site": site.name,
        "postal_code": site.postal_code,
        "city": site.city,
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    return write_csv(COLUMNS, rows, NUMERIC_COLUMNS)


def filename(organisation_name: str, period: Period, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", organisation_name.lower()).strip("-") or "organisation"
    return f"handovers-{slug}-{period.first_day}-{period.last_day}.{extension}"
