"""The public open-data feeds: active listings and monthly impact, as JSON and CSV.

Privacy: an organisation's pickup place is a public business address and is published as it
is. A resident's pickup place is usually their home, so its coordinates are replaced by the
centre of its postal code area, coarser than the rest of the product shows, since a bulk
download is the easiest to mine; for an area the product does not know, by the same
approximate point of about 500 m that its pages, maps and API show (`marketplace.sites.places`).
A second rounding rule would be worse than either: two differently placed grids intersect in
a smaller cell. Its name and street address are never published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.impact import services
from marketplace.impact.services import Cell
from marketplace.models import Category, Listing, ListingStatus, Site
from marketplace.search.geo import POSTAL_CODES
from marketplace.sites.places import is_private, public_place
from marketplace.web.csv_files import write_csv
from marketplace.web.links import external_url

LICENCE = {
    "name": "CC BY 4.0",
    "id": "CC-BY-4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Kera Marketplace",
}
NUMERIC_TYPES = frozenset({"integer", "decimal"})


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: Any  # a lazy string, read in the reader's language


LISTING_FIELDS = (
    Field("id", "integer", _l("The listing's number.")),
    Field("url", "string", _l("The listing's page.")),
    Field("kind", "string", _l("material (offered), equipment (for rent) or wanted.")),
    Field("title", "string", _l("The title, in the language the lister wrote it.")),
    Field("language", "string", _l("The title's language: fi, sv or en.")),
    Field("category", "string", _l("The product type's identifier (slug).")),
    Field("family", "string", _l("The material family's identifier (slug).")),
    Field("quantity_total", "decimal", _l("How much the listing offers or asks for in all.")),
    Field("quantity_available", "decimal", _l("How much is still available now.")),
    Field("unit", "string", _l("pcs, m, m2, m3, kg, t or set.")),
    Field(
        "condition",
        "string",
        _l("new_surplus, like_new, good, fair or for_parts; empty if not given."),
    ),
    Field("price_model", "string", _l("free, per_unit, per_lot or rental.")),
    Field(
        "price_eur", "decimal", _l("Price in euros per unit, per lot or per day; empty when free.")
    ),
    Field("week_price_eur", "decimal", _l("Rentals: price in euros per week, if given.")),
    Field(
        "organisation", "string", _l("The organisation that lists it; empty for private people.")
    ),
    Field("city", "string", _l("Where it is picked up: the city.")),
    Field("postal_code", "string", _l("Where it is picked up: the postal code.")),
    Field(
        "latitude", "decimal", _l("WGS84 latitude of the pickup place (see location_precision).")
    ),
    Field(
        "longitude", "decimal", _l("WGS84 longitude of the pickup place (see location_precision).")
    ),
    Field(
        "location_precision",
        "string",
        _l(
            "exact for organisations' places; postal_area (the area's centre) or approximate "
            "(the centre of a fixed grid cell of about 500 m) for private people's places, "
            "whose homes are never published."
        ),
    ),
    Field("available_from", "date", _l("First day it can be picked up.")),
    Field("available_until", "date", _l("Last day it can be picked up; empty if open-ended.")),
    Field("updated_at", "date-time", _l("When the listing last changed (UTC).")),
    Field("licence", "string", _l("CC-BY-4.0 (CSV only; the JSON says it once at the top).")),
)

IMPACT_FIELDS = (
    Field("month", "string", _l("The Finnish calendar month, as YYYY-MM.")),
    Field("family", "string", _l("The material family's identifier (slug).")),
    Field("family_fi", "string", _l("The family's name in Finnish.")),
    Field("family_sv", "string", _l("The family's name in Swedish.")),
    Field("family_en", "string", _l("The family's name in English.")),
    Field("postal_code", "string", _l("Postal code of the pickup place.")),
    Field("area_fi", "string", _l("The postal area's name in Finnish, where known.")),
    Field("area_sv", "string", _l("The postal area's name in Swedish, where known.")),
    Field("handovers", "integer", _l("Completed handovers of material.")),
    Field(
        "mass_kg",
        "decimal",
        _l("Kilograms handed over, summed over handovers whose mass is known; empty if none is."),
    ),
    Field(
        "co2e_kg",
        "decimal",
        _l("kg CO2e avoided, summed over handovers whose CO2e is known; empty if none is."),
    ),
    Field("mass_unknown", "integer", _l("Handovers whose mass is unknown (not counted as zero).")),
    Field("factor_unknown", "integer", _l("Handovers with a known mass but no emission factor.")),
    Field(
        "mass_without_factor_kg",
        "decimal",
        _l("Kilograms of those handovers, with no CO2e counted."),
    ),
    Field("licence", "string", _l("CC-BY-4.0 (CSV only; the JSON says it once at the top).")),
)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _euros(cents: int | None) -> str | None:
    return None if cents is None else _decimal(Decimal(cents) / 100)


def published_point(site: Site) -> tuple[float, float, str]:
    """Where the open data says the pickup place is, and how exactly."""
    if not is_private(site.organisation_id):
        return site.latitude, site.longitude, "exact"
    area = POSTAL_CODES.get(site.postal_code)
    if area is not None:
        return area.point.lat, area.point.lon, "postal_area"
    place = public_place(site)
    return place.latitude, place.longitude, "approximate"


def _active_listings() -> list[Listing]:
    query = (
        sa.select(Listing)
        .where(Listing.status == ListingStatus.ACTIVE)
        .options(
            joinedload(Listing.site),
            joinedload(Listing.organisation),
            joinedload(Listing.category).joinedload(Category.parent),
        )
        .order_by(Listing.id)
    )
    return list(db.session.scalars(query).unique())


def listing_record(listing: Listing) -> dict[str, Any]:
    latitude, longitude, precision = published_point(listing.site)
    return {
        "id": listing.id,
        "url": external_url("listings.detail", listing_id=listing.id),
        "kind": listing.kind.value,
        "title": listing.title,
        "language": listing.language.value,
        "category": listing.category.slug,
        "family": listing.category.family.slug,
        "quantity_total": _decimal(listing.quantity_total),
        "quantity_available": _decimal(listing.quantity_available),
        "unit": listing.unit.value,
        "condition": listing.condition.value if listing.condition else None,
        "price_model": listing.price_model.value,
        "price_eur": _euros(listing.price_cents),
        "week_price_eur": _euros(listing.week_price_cents),
        "organisation": listing.organisation.name if listing.organisation else None,
        "city": listing.site.city,
        "postal_code": listing.site.postal_code,
        "latitude": latitude,
        "longitude": longitude,
        "location_precision": precision,
        "available_from": listing.available_from.isoformat(),
        "available_until": listing.available_until.isoformat() if listing.available_until else None,
        "updated_at": listing.updated_at.isoformat(),
    }


def listings() -> list[dict[str, Any]]:
    return [listing_record(listing) for listing in _active_listings()]


def impact_record(cell: Cell) -> dict[str, Any]:
    place = POSTAL_CODES.get(cell.postal_code)
    figures = cell.figures
    return {
        "month": cell.month.strftime("%Y-%m"),
        "family": cell.family.slug,
        "family_fi": cell.family.name_fi,
        "family_sv": cell.family.name_sv,
        "family_en": cell.family.name_en,
        "postal_code": cell.postal_code,
        "area_fi": place.name if place else None,
        "area_sv": place.name_sv if place else None,
        "handovers": figures.handovers,
        "mass_kg": _decimal(figures.known_mass_kg),
        "co2e_kg": _decimal(figures.known_co2e_kg),
        "mass_unknown": figures.mass_unknown,
        "factor_unknown": figures.factor_unknown,
        "mass_without_factor_kg": _decimal(figures.mass_without_factor_kg),
    }


def impact() -> list[dict[str, Any]]:
    return [impact_record(cell) for cell in services.monthly_cells()]


def document(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "dataset": name,
        "licence": LICENCE,
        "schema": external_url("open_data.index") + f"#{name}",
        "count": len(items),
        "items": items,
    }


def to_csv(fields: Iterable[Field], items: list[dict[str, Any]]) -> str:
    listed = tuple(fields)
    numeric = {f.name for f in listed if f.type in NUMERIC_TYPES}
    rows = ({**item, "licence": LICENCE["id"]} for item in items)
    return write_csv([f.name for f in listed], rows, numeric)
