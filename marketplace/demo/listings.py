"""The demo marketplace's listings: what a Kera building site, a shop refit, a rental depot, a
school renovation and three households would offer or ask for in late 2026, as
`listings.toml` beside this module describes them.

Each listing is created through the listing services, as a user would create it, with drawn
photos. A listing already there (same owner and title) is left alone, so loading twice adds
nothing twice.
"""

from __future__ import annotations

import tomllib
import zlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from marketplace.core.clock import today_in_finland
from marketplace.demo.photos import demo_photo
from marketplace.extensions import db
from marketplace.listings.photo_processing import PreparedPhoto, prepare_photo
from marketplace.listings.services import ListingDetails, create_listing, pause_listing
from marketplace.models import (
    Category,
    Condition,
    HazardStatus,
    Language,
    Listing,
    ListingKind,
    ListingStatus,
    Organisation,
    PriceModel,
    Site,
    Unit,
    User,
)
from marketplace.sites import services as site_services

DATA = Path(__file__).with_name("listings.toml")


@dataclass(frozen=True)
class Lister:
    """Who lists a group of listings, from where, in which language, with what pickup terms."""

    owner: str
    site: str
    language: Language
    pickup: str
    organisation: str | None = None


@dataclass(frozen=True)
class DemoListing:
    category: str
    title: str
    description: str
    # In the category's default unit unless `unit` says otherwise.
    quantity: str
    kind: ListingKind = ListingKind.MATERIAL
    condition: Condition | None = None  # none for wanted listings
    price_model: PriceModel = PriceModel.FREE
    # Per unit, per lot, or per day for rentals.
    price_cents: int | None = None
    week_price_cents: int | None = None
    deposit_cents: int | None = None
    min_rental_days: int | None = None
    unit: Unit | None = None
    # Only where the item differs clearly from the category's default mass.
    mass_per_unit_kg: str | None = None
    delivery_possible: bool = False
    # A hazardous-substance survey note marks the listing as demolition material declared clean.
    survey: str = ""
    photos: int = 2
    # ACTIVE publishes; DRAFT leaves it unpublished; PAUSED publishes and then pauses.
    status: ListingStatus = ListingStatus.ACTIVE
    # Overrides of the group's Lister.
    owner: str | None = None
    site: str | None = None
    language: Language | None = None
    pickup: str | None = None


# The fields of listings.toml that name a value of one of the product's enums.
ENUMS: dict[str, Any] = {
    "kind": ListingKind,
    "condition": Condition,
    "price_model": PriceModel,
    "unit": Unit,
    "status": ListingStatus,
    "language": Language,
}


def _listing(values: dict[str, Any]) -> DemoListing:
    fields = {key: ENUMS[key](value) if key in ENUMS else value for key, value in values.items()}
    return DemoListing(**fields)


def _lister(group: dict[str, Any]) -> Lister:
    return Lister(
        group["owner"],
        group["site"],
        Language(group["language"]),
        group["pickup"],
        group.get("organisation"),
    )


def read_groups(path: Path = DATA) -> list[tuple[Lister, list[DemoListing]]]:
    """The listers and their listings, in the file's order (which spreads the dates)."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    return [
        (
            _lister(group),
            [_listing({**group.get("defaults", {}), **item}) for item in group["listings"]],
        )
        for group in data["groups"]
    ]


def ensure_listings(users: dict[str, User], organisations: dict[str, Organisation]) -> int:
    """Create the demo listings that are not there yet; returns how many were created."""
    categories = {category.slug: category for category in db.session.scalars(sa.select(Category))}
    existing = _existing_titles(users)
    created = 0
    number = 0
    for lister, listings in read_groups():
        for demo in listings:
            number += 1
            owner = users[demo.owner or lister.owner]
            if (owner.id, demo.title) in existing:
                continue
            site = _site(lister, demo, owner, organisations)
            details = _details(lister, demo, site, categories[demo.category], number)
            _create(owner, demo, details)
            created += 1
    return created


def _existing_titles(users: dict[str, User]) -> set[tuple[int, str]]:
    query = sa.select(Listing.owner_id, Listing.title).where(
        Listing.owner_id.in_([user.id for user in users.values()])
    )
    return {(owner_id, title) for owner_id, title in db.session.execute(query)}


def _site(
    lister: Lister, demo: DemoListing, owner: User, organisations: dict[str, Organisation]
) -> Site:
    name = demo.site or lister.site
    candidates = (
        site_services.sites_of_organisation(organisations[lister.organisation])
        if lister.organisation
        else site_services.sites_of_user(owner)
    )
    return next(site for site in candidates if site.name == name)


def _details(
    lister: Lister, demo: DemoListing, site: Site, category: Category, number: int
) -> ListingDetails:
    # Spread the dates by the listing's position, so that the lists do not all end on one day.
    today = today_in_finland()
    return ListingDetails(
        kind=demo.kind,
        site_id=site.id,
        category_id=category.id,
        title=demo.title,
        description=demo.description,
        language=demo.language or lister.language,
        condition=demo.condition,
        unit=demo.unit or category.default_unit,
        quantity=Decimal(demo.quantity),
        available_from=today + timedelta(days=number * 7 % 11),
        available_until=today + timedelta(days=14 + number * 23 % 77),
        mass_per_unit_kg=Decimal(demo.mass_per_unit_kg) if demo.mass_per_unit_kg else None,
        price_model=demo.price_model,
        price_cents=demo.price_cents,
        week_price_cents=demo.week_price_cents,
        deposit_cents=demo.deposit_cents,
        min_rental_days=demo.min_rental_days,
        pickup_instructions=demo.pickup if demo.pickup is not None else lister.pickup,
        delivery_possible=demo.delivery_possible,
        demolition_material=bool(demo.survey),
        hazard_status=HazardStatus.DECLARED_CLEAN if demo.survey else None,
        hazard_notes=demo.survey,
    )


def _photos(demo: DemoListing) -> list[PreparedPhoto]:
    # Seeded by the title, so that two listings of one category get different pictures.
    seed = zlib.crc32(demo.title.encode())
    return [prepare_photo(demo_photo(demo.category, seed + n)) for n in range(demo.photos)]


def _create(owner: User, demo: DemoListing, details: ListingDetails) -> Listing:
    publish = demo.status != ListingStatus.DRAFT
    listing = create_listing(owner, details, photos=_photos(demo), publish=publish)
    if demo.status == ListingStatus.PAUSED:
        pause_listing(listing, owner)
    return listing
