"""The search page's glue: request arguments to a search, and a search to what the page and
its map show. The search itself is `marketplace.search`; the newest listings on the home page
come straight from the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from marketplace.categories.services import family_tree
from marketplace.extensions import db
from marketplace.listings import presentation
from marketplace.models import Condition, Listing, ListingKind, Organisation
from marketplace.search.documents import searchable
from marketplace.search.geo import POSTAL_CODES
from marketplace.search.query import MAX_PER_PAGE, Sort, parse_query
from marketplace.search.services import SearchPage, search
from marketplace.sites.places import public_place
from marketplace.web.labels import label

PER_PAGE = 24
RADII_KM = (1, 2, 5, 10, 20, 50)
SORT_LABELS = {
    Sort.RELEVANCE: _l("Best match"),
    Sort.NEWEST: _l("Newest first"),
    Sort.NEAREST: _l("Nearest first"),
    Sort.PRICE: _l("Cheapest first"),
}


def newest(limit: int) -> list[Listing]:
    query = (
        sa.select(Listing)
        .where(searchable())
        .order_by(Listing.published_at.desc(), Listing.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Browse:
    """A search page: the search, how it is shown (list or map), and its links."""

    page: SearchPage
    view: str

    def url(self, **changes: Any) -> str:
        """This search with some values changed (page 1 unless a page is given)."""
        changes.setdefault("page", 1)
        view = changes.pop("view", self.view)
        args = self.page.query.args(**changes)
        args.pop("per_page", None)  # the page decides its own page size
        if view == "map":
            args["view"] = "map"
        path = url_for("listings.browse")
        return f"{path}?{urlencode(args)}" if args else path


def browse(args: Mapping[str, Any]) -> Browse:
    view = "map" if args.get("view") == "map" else "list"
    # The map shows more at once: its markers are the page's results.
    query, problems = parse_query(args, per_page=MAX_PER_PAGE if view == "map" else PER_PAGE)
    return Browse(search(query, problems), view)


def _option(value: str, text: str, count: int | None) -> dict[str, Any]:
    return {"value": value, "text": text if count is None else f"{text} ({count})"}


def category_options(page: SearchPage) -> list[dict[str, Any]]:
    """Families with their counts, and the product types of the chosen family with theirs;
    choices that would find nothing are left out, unless chosen."""
    chosen = page.category
    chosen_family = None if chosen is None else (chosen.parent_id or chosen.id)
    options = []
    for family, types in family_tree():
        count = page.facets.families.get(family.id, 0)
        if count or family.id == chosen_family:
            name = presentation.category_name(family)
            options.append(_option(family.slug, name, count) | {"family": True})
        if family.id != chosen_family:
            continue
        for category in types:
            count = page.facets.categories.get(category.id, 0)
            if count or (chosen is not None and chosen.id == category.id):
                name = "– " + presentation.category_name(category)
                options.append(_option(category.slug, name, count))
    return options


def kind_options(page: SearchPage) -> list[dict[str, Any]]:
    return [
        _option(kind.value, label(kind), page.facets.kinds.get(kind.value, 0))
        for kind in ListingKind
    ]


def condition_options(page: SearchPage) -> list[dict[str, Any]]:
    return [
        _option(condition.value, label(condition), page.facets.conditions.get(condition.value, 0))
        for condition in Condition
    ]


def organisation_options(page: SearchPage) -> list[dict[str, Any]]:
    """Organisations with listings in this search (their facet), and the chosen one."""
    counts = page.facets.organisations
    wanted = set(counts) | ({page.query.organisation} if page.query.organisation else set())
    if not wanted:
        return []
    found = db.session.execute(
        sa.select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(wanted))
        .order_by(Organisation.name)
    )
    return [_option(str(row.id), row.name, counts.get(row.id, 0)) for row in found]


def places() -> list[dict[str, str]]:
    """Postal codes the page can suggest, named in the reader's language."""
    swedish = str(get_locale() or "fi") == "sv"
    return [
        {"code": code, "name": place.name_sv if swedish else place.name}
        for code, place in sorted(POSTAL_CODES.items())
    ]


def markers(browse: Browse) -> list[dict[str, Any]]:
    """What the map script needs to place each result, as JSON: a pin for an organisation's
    place, an area (its radius) around the approximate point of a private person's."""
    found = []
    for result in browse.page.results:
        listing = result.listing
        place = public_place(listing.site)
        found.append(
            {
                "id": listing.id,
                "title": listing.title,
                "lat": place.latitude,
                "lon": place.longitude,
                "radius_m": place.radius_m,
                "url": url_for("listings.detail", listing_id=listing.id),
                "price": presentation.price(listing),
                "place": place.area if place.approximate else f"{place.name}, {place.city}",
            }
        )
    return found


def context(browse: Browse) -> dict[str, Any]:
    page = browse.page
    return {
        "browse": browse,
        "page": page,
        "query": page.query,
        "category_options": category_options(page),
        "kind_options": kind_options(page),
        "condition_options": condition_options(page),
        "organisation_options": organisation_options(page),
        "places": places(),
        "radii": RADII_KM,
        "sorts": [(sort.value, SORT_LABELS[sort]) for sort in Sort],
        "markers": markers(browse) if browse.view == "map" else [],
        "problems": [problem for problem in page.problems if problem.field],
    }
