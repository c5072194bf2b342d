"""Where a pickup place is shown to the public: the one rule that keeps a home private.

An organisation's site is a business address and is public as it is. A site that belongs to a
private person is usually their home, so the public sees only its postal area and a point
snapped to a fixed grid of about 500 m, drawn as an area rather than a pin; its name, street
address and pickup instructions are shown only to those who need them (see
`listings.access.sees_exact_place`). This is the GDPR's data minimisation (art. 5(1)(c) and
art. 25, data protection by default) applied to the product's maps, pages, API, search and
open data, which all take the point from here.

The grid is fixed, not random jitter: several listings from one home would average jitter
away, while they all snap to the same cell, whatever is published or re-indexed again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marketplace.models import Site

GRID_M = 500
# The area drawn around an approximate point: it covers every corner of the point's cell.
AREA_RADIUS_M = 500
# How far the shown point may lie from the real one (half a cell's diagonal), in km.
MAX_SHIFT_KM = GRID_M * math.sqrt(2) / 2 / 1000
METRES_PER_DEGREE = 111_320.0
LAT_STEP = GRID_M / METRES_PER_DEGREE
DECIMALS = 6


@dataclass(frozen=True)
class PublicPlace:
    """A pickup place as someone sees it. Approximate places have no name, address or pin."""

    postal_code: str
    city: str
    latitude: float
    longitude: float
    approximate: bool
    name: str | None = None
    address: str | None = None

    @property
    def area(self) -> str:
        return f"{self.postal_code} {self.city}"

    @property
    def radius_m(self) -> int | None:
        return AREA_RADIUS_M if self.approximate else None


def is_private(organisation_id: int | None) -> bool:
    """A site without an organisation belongs to a private person (see `Site`)."""
    return organisation_id is None


def snapped(latitude: float, longitude: float) -> tuple[float, float]:
    """The centre of the grid cell the point lies in. Cells are GRID_M tall; each row of
    cells is GRID_M wide at its own centre latitude, so that they stay about square."""
    row = math.floor(latitude / LAT_STEP)
    lat = min(90.0, max(-90.0, (row + 0.5) * LAT_STEP))
    lon_step = LAT_STEP / max(math.cos(math.radians(lat)), 0.01)
    lon = min(180.0, max(-180.0, (math.floor(longitude / lon_step) + 0.5) * lon_step))
    return round(lat, DECIMALS), round(lon, DECIMALS)


def public_point(
    latitude: float, longitude: float, organisation_id: int | None
) -> tuple[float, float]:
    """The point the public is shown of a site with this owning organisation (None: a person)."""
    if is_private(organisation_id):
        return snapped(latitude, longitude)
    return latitude, longitude


def exact_place(site: Site) -> PublicPlace:
    return PublicPlace(
        postal_code=site.postal_code,
        city=site.city,
        latitude=site.latitude,
        longitude=site.longitude,
        approximate=False,
        name=site.name,
        address=site.address,
    )


def public_place(site: Site) -> PublicPlace:
    """The site as anyone may see it."""
    if not is_private(site.organisation_id):
        return exact_place(site)
    latitude, longitude = snapped(site.latitude, site.longitude)
    return PublicPlace(site.postal_code, site.city, latitude, longitude, approximate=True)
