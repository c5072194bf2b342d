"""What the index knows of a listing, read straight from the database.

Documents are read with SQLAlchemy Core on a connection of their own, never through the
request's session: the index writer reads them while it holds the index lock, after the
change has committed (see `indexing`). Only searchable listings have a document: active, not
restricted by a moderator, with something available (materials count what is left; equipment
and wanted ads their total), and offered by someone who is not suspended.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from marketplace.core.clock import utcnow
from marketplace.models import (
    Category,
    Listing,
    ListingKind,
    ListingStatus,
    Organisation,
    PriceModel,
    Site,
    User,
)
from marketplace.sites import places

Family = aliased(Category, name="family")
BATCH = 1000


@dataclass(frozen=True)
class ListingDocument:
    listing_id: int
    kind: str
    language: str
    title: str
    description: str
    category_id: int
    family_id: int
    # Names of the product type and of its family, in Finnish, Swedish and English.
    category_names: dict[str, tuple[str, ...]]
    condition: str | None
    organisation_id: int | None
    # Who offers it and where: organisation, pickup place and city.
    place_text: str
    free: bool
    # Integer cents: the unit, lot or day price; 0 for free listings.
    price_cents: int
    # The pickup place's public point: approximate for a private person's (`places`).
    latitude: float
    longitude: float
    # Seconds since the epoch of publication, for "newest first".
    published: int

    def fingerprint(self) -> str:
        """Changes whenever anything the index holds changes; `check` compares it."""
        text = repr(astuple(self)).encode()
        return hashlib.blake2b(text, digest_size=10).hexdigest()


def suspended_users(now: datetime | None = None) -> sa.Select[int]:
    """Ids of the people suspended at `now`. By time: a suspension for a period ends by itself
    (the job that re-indexes their listings then is `auth.suspension.end_due`)."""
    return sa.select(User.id).where(
        sa.or_(User.suspended_indefinitely, User.suspended_until > (now or utcnow()))
    )


def searchable(now: datetime | None = None) -> sa.ColumnElement[bool]:
    """The one rule of what search finds; `now` decides whose suspension still lasts."""
    return sa.and_(
        Listing.status == ListingStatus.ACTIVE,
        # Restricted by a moderation decision: out of search until the decision is reversed.
        Listing.restricted_at.is_(None),
        sa.or_(Listing.kind != ListingKind.MATERIAL, Listing.quantity_available > 0),
        Listing.owner_id.not_in(suspended_users(now)),
    )


def _columns() -> list[Any]:
    return [
        Listing.id,
        Listing.kind,
        Listing.language,
        Listing.title,
        Listing.description,
        Listing.condition,
        Listing.organisation_id,
        Listing.price_model,
        Listing.price_cents,
        Listing.week_price_cents,
        Listing.published_at,
        Listing.created_at,
        Category.id.label("category_id"),
        Category.name_fi,
        Category.name_sv,
        Category.name_en,
        Family.id.label("family_id"),
        Family.name_fi.label("family_fi"),
        Family.name_sv.label("family_sv"),
        Family.name_en.label("family_en"),
        Site.name.label("site_name"),
        Site.organisation_id.label("site_organisation_id"),
        Site.city,
        Site.latitude,
        Site.longitude,
        Organisation.name.label("organisation_name"),
    ]


def _select() -> sa.Select[Any]:
    return (
        sa.select(*_columns())
        .join(Category, Listing.category_id == Category.id)
        .outerjoin(Family, Category.parent_id == Family.id)
        .join(Site, Listing.site_id == Site.id)
        .outerjoin(Organisation, Listing.organisation_id == Organisation.id)
        .where(searchable())
    )


def _price(row: Any) -> int:
    if row.price_model == PriceModel.FREE:
        return 0
    if row.price_cents is not None:
        return int(row.price_cents)
    # A rental priced by the week only: compare it by its day rate.
    return int(row.week_price_cents or 0) // 7


def _document(row: Any) -> ListingDocument:
    names: dict[str, tuple[str, ...]] = {
        "fi": (row.name_fi,),
        "sv": (row.name_sv,),
        "en": (row.name_en,),
    }
    if row.family_id is not None:
        names = {
            "fi": (row.name_fi, row.family_fi),
            "sv": (row.name_sv, row.family_sv),
            "en": (row.name_en, row.family_en),
        }
    published = row.published_at or row.created_at
    # A private person's place is indexed as the public sees it: no name (it may be theirs),
    # and the approximate point, which distances and "nearest first" are measured to.
    private = places.is_private(row.site_organisation_id)
    site_name = None if private else row.site_name
    place = " ".join(part for part in (row.organisation_name, site_name, row.city) if part)
    latitude, longitude = places.public_point(
        float(row.latitude), float(row.longitude), row.site_organisation_id
    )
    return ListingDocument(
        listing_id=row.id,
        kind=row.kind.value,
        language=row.language.value,
        title=row.title,
        description=row.description or "",
        category_id=row.category_id,
        family_id=row.family_id if row.family_id is not None else row.category_id,
        category_names=names,
        condition=row.condition.value if row.condition else None,
        organisation_id=row.organisation_id,
        place_text=place,
        free=row.price_model == PriceModel.FREE,
        price_cents=_price(row),
        latitude=latitude,
        longitude=longitude,
        published=int(published.timestamp()),
    )


def load_documents(connection: sa.Connection, ids: Iterable[int]) -> dict[int, ListingDocument]:
    """Documents of those listings that are searchable now; the others have none."""
    wanted = sorted(set(ids))
    found: dict[int, ListingDocument] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        for row in connection.execute(_select().where(Listing.id.in_(chunk))):
            found[row.id] = _document(row)
    return found


def iter_documents(connection: sa.Connection, batch: int = BATCH) -> Iterator[ListingDocument]:
    """Every searchable listing, in id order, read in batches (keyset pagination, so that a
    large table never sits in memory at once)."""
    last = 0
    while True:
        rows = connection.execute(
            _select().where(Listing.id > last).order_by(Listing.id).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _document(row)
        last = rows[-1].id


def listings_touching(
    connection: sa.Connection,
    sites: Iterable[int] = (),
    organisations: Iterable[int] = (),
    categories: Iterable[int] = (),
) -> set[int]:
    """Searchable listings whose document shows a changed site, organisation or category."""
    conditions = []
    if sites := list(sites):
        conditions.append(Listing.site_id.in_(sites))
    if organisations := list(organisations):
        conditions.append(Listing.organisation_id.in_(organisations))
    if categories := list(categories):
        children = sa.select(Category.id).where(Category.parent_id.in_(categories))
        conditions.append(Listing.category_id.in_(categories))
        conditions.append(Listing.category_id.in_(children))
    if not conditions:
        return set()
    query = sa.select(Listing.id).where(sa.or_(*conditions), searchable())
    return set(connection.scalars(query))


def active_listings_of(connection: sa.Connection, owners: Iterable[int]) -> set[int]:
    """The active listings of these people, searchable or not: their suspension changed."""
    if not (owners := list(owners)):
        return set()
    query = sa.select(Listing.id).where(
        Listing.owner_id.in_(owners), Listing.status == ListingStatus.ACTIVE
    )
    return set(connection.scalars(query))


def listings_updated_since(connection: sa.Connection, since: Any) -> set[int]:
    """Listings changed by a bulk UPDATE whose rows the ORM could not name."""
    return set(connection.scalars(sa.select(Listing.id).where(Listing.updated_at >= since)))
