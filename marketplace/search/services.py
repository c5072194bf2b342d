"""Searching, as the search page and the API use it, and the operator's reindex and check.

Every hit is re-checked against the database before it is shown: a listing closed, paused
or sold out a moment ago, whose index entry a write has not yet reached, is dropped from the
page, the total is lowered by as many, and the listing is queued for re-indexing. The total
can therefore only be off by stale entries on other pages, and only until their repair.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from marketplace.database import read_only_transactions
from marketplace.errors import FieldProblem
from marketplace.extensions import db
from marketplace.models import Category, Listing, Site
from marketplace.search import documents as docs
from marketplace.search.backend import (
    BackendResult,
    CategoryFilter,
    DocumentBatch,
    Facets,
    RebuildReport,
    SearchUnavailable,
    Suggestion,
)
from marketplace.search.geo import POSTAL_CODES, Point
from marketplace.search.indexing import Changes, extension, resolve
from marketplace.search.query import SearchQuery, Sort
from marketplace.sites import places

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    listing: Listing
    distance_km: float | None


@dataclass(frozen=True)
class SearchPage:
    query: SearchQuery
    results: list[Result]
    total: int
    facets: Facets
    category: Category | None = None
    suggestion: Suggestion | None = None
    # What could not be used of the request, each with its field.
    problems: list[FieldProblem] = field(default_factory=list)
    unavailable: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.per_page))

    @property
    def has_next(self) -> bool:
        return self.query.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.query.page > 1


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(
        sa.select(Category).where(Category.slug == slug, Category.active.is_(True))
    )


def point_for_postal_code(code: str) -> Point | None:
    """The area's centre from the table, or else the mean of the pickup places there, each
    where the public may know it is: in an area with one home, the mean is that home."""
    place = POSTAL_CODES.get(code)
    if place is not None:
        return place.point
    rows = db.session.execute(
        sa.select(Site.latitude, Site.longitude, Site.organisation_id).where(
            Site.postal_code == code
        )
    ).all()
    if not rows:
        return None
    points = [places.public_point(row.latitude, row.longitude, row.organisation_id) for row in rows]
    return Point(
        sum(lat for lat, _lon in points) / len(points),
        sum(lon for _lat, lon in points) / len(points),
    )


def prepare(
    query: SearchQuery, problems: list[FieldProblem]
) -> tuple[SearchQuery, Category | None]:
    """Resolve what needs the database: the category slug and the postal code's place.
    Problems found are added to `problems` and the value is dropped."""
    category = None
    if query.category:
        category = category_by_slug(query.category)
        if category is None:
            problems.append(FieldProblem("category", str(_l("No such category."))))
            query = query.changed(category=None)
    if query.postal_code:  # typed in, so it wins over a point the page remembered
        point = point_for_postal_code(query.postal_code)
        if point is None:
            message = _l("We do not know where postal code %(code)s is.", code=query.postal_code)
            problems.append(FieldProblem("postal_code", str(message)))
            query = query.changed(postal_code=None)
            if query.near is None:  # nothing left to measure from
                nearest = query.sort == Sort.NEAREST
                query = query.changed(radius_km=None, sort=None if nearest else query.sort)
        else:
            query = query.changed(near=point)
    return query, category


def _category_filter(category: Category | None) -> CategoryFilter | None:
    if category is None:
        return None
    if category.parent_id is None:
        return CategoryFilter(family_id=category.id)
    return CategoryFilter(family_id=category.parent_id, category_id=category.id)


def _current(ids: list[int]) -> dict[int, Listing]:
    """The hits that are still searchable, with what the cards show loaded in one go."""
    if not ids:
        return {}
    # Two queries: the listings joined to what they have one of, then their photos.
    query = (
        sa.select(Listing)
        .where(Listing.id.in_(ids), docs.searchable())
        .options(
            joinedload(Listing.site),
            joinedload(Listing.category).joinedload(Category.parent),
            joinedload(Listing.organisation),
            selectinload(Listing.photos),
        )
    )
    return {listing.id: listing for listing in db.session.scalars(query).unique()}


def search(
    query: SearchQuery, problems: Iterable[FieldProblem] = (), *, suggest: bool = True
) -> SearchPage:
    found_problems = list(problems)
    query, category = prepare(query, found_problems)
    try:
        result = extension().backend.search(query, _category_filter(category), suggest=suggest)
    except SearchUnavailable:
        logger.exception("search failed")
        return SearchPage(
            query, [], 0, Facets(), category, problems=found_problems, unavailable=True
        )
    return _checked(query, category, result, found_problems)


def _checked(
    query: SearchQuery,
    category: Category | None,
    result: BackendResult,
    problems: list[FieldProblem],
) -> SearchPage:
    with read_only_transactions():
        current = _current([hit.listing_id for hit in result.hits])
    results = [
        Result(current[hit.listing_id], hit.distance_km)
        for hit in result.hits
        if hit.listing_id in current
    ]
    stale = [hit.listing_id for hit in result.hits if hit.listing_id not in current]
    if stale:
        logger.info("search index had stale entries %s; re-indexing them", stale)
        extension().sync.submit(Changes(listings=set(stale)))
    return SearchPage(
        query=query,
        results=results,
        total=max(0, result.total - len(stale)),
        facets=result.facets,
        category=category,
        suggestion=result.suggestion,
        problems=problems,
    )


def resolve_batch(listing_ids: Iterable[int]) -> DocumentBatch:
    """What the index should hold for these listings, as the database says now."""
    return resolve(extension().sync.engine, Changes(listings=set(listing_ids)))


def reindex() -> RebuildReport:
    """Rebuild the whole index from the database into a fresh directory and switch to it."""
    search = extension()
    engine = search.sync.engine

    def documents() -> Iterable[docs.ListingDocument]:
        with read_only_transactions(), engine.connect() as connection:
            yield from docs.iter_documents(connection)

    return search.backend.rebuild(documents, lambda ids: resolve(engine, Changes(listings=ids)))


@dataclass(frozen=True)
class CheckReport:
    indexed: int
    expected: int
    missing: list[int]
    stale: list[int]
    extra: list[int]

    @property
    def drift(self) -> list[int]:
        return sorted({*self.missing, *self.stale, *self.extra})

    def __str__(self) -> str:
        return (
            f"{self.expected} searchable listings, {self.indexed} indexed: "
            f"{len(self.missing)} missing, {len(self.stale)} stale, {len(self.extra)} extra"
        )


def check() -> CheckReport:
    """Compare every searchable listing's document with what the index holds."""
    search = extension()
    indexed = search.backend.fingerprints()
    expected: dict[int, str] = {}
    with read_only_transactions(), search.sync.engine.connect() as connection:
        for document in docs.iter_documents(connection):
            expected[document.listing_id] = document.fingerprint()
    missing = sorted(set(expected) - set(indexed))
    extra = sorted(set(indexed) - set(expected))
    stale = sorted(
        listing_id
        for listing_id, prints in indexed.items()
        if listing_id in expected and prints != [expected[listing_id]]
    )
    return CheckReport(sum(map(len, indexed.values())), len(expected), missing, stale, extra)


def repair(listing_ids: Iterable[int]) -> int:
    """Re-index these listings now (what `check --repair` does with the drift it found)."""
    return extension().sync.apply(Changes(listings=set(listing_ids)))


def state() -> dict[str, Any]:
    return extension().backend.state()
