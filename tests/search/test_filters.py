"""Filters, facets, distance, sorting and paging, checked against the database itself.

A seeded random marketplace of 40 listings; for each search, the expected listings, their
order and the facet counts are worked out from the rows in the database, independently of the
search code, and compared with what the search returns over every page.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import today_in_finland
from marketplace.extensions import db
from marketplace.models import (
    Category,
    CategoryKind,
    Condition,
    Listing,
    ListingKind,
    ListingStatus,
    PriceModel,
    Site,
    Unit,
)
from marketplace.search.geo import Point, haversine_km
from marketplace.search.services import SearchPage
from marketplace.sites.places import public_point
from marketplace.sites.services import SiteDetails
from tests.search.conftest import ids

pytestmark = pytest.mark.search

PLACES = [
    SiteDetails("Kera", "Keranportti 3", "02650", "Espoo", 60.2172, 24.7535),
    SiteDetails("Kilo", "Kilonrinne 10", "02610", "Espoo", 60.2170, 24.7830),
    SiteDetails("Tapiola", "Tapionraitti 12", "02100", "Espoo", 60.1757, 24.8049),
    SiteDetails("Espoonlahti", "Espoonlahdenkatu 4", "02320", "Espoo", 60.1480, 24.6560),
    SiteDetails("Otaniemi", "Otakaari 20", "02150", "Espoo", 60.1850, 24.8280),
]
COLOURS = ["punainen", "valkoinen", "harmaa", "musta"]


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    category: str
    family_id: int
    family: str
    condition: str | None
    organisation_id: int | None
    free: bool
    price: int
    point: Point
    published: Any
    title: str


@pytest.fixture
def marketplace(
    make_user: Callable[..., Any],
    make_organisation: Callable[..., Any],
    make_site: Callable[..., Any],
    make_listing: Callable[..., Any],
) -> dict[str, Any]:
    chance = random.Random(20261130)
    owner = make_user()
    organisations = [make_organisation(owner, name=f"Yritys {n}") for n in range(2)]
    sites = [make_site(owner, organisations[n % 2], place) for n, place in enumerate(PLACES[:4])]
    sites.append(make_site(owner, None, PLACES[4]))
    categories = db.session.scalars(
        sa.select(Category).where(Category.parent_id.is_not(None)).order_by(Category.id)
    )
    by_kind: dict[CategoryKind, list[Category]] = {
        CategoryKind.MATERIAL: [],
        CategoryKind.EQUIPMENT: [],
    }
    for found in categories:
        by_kind[found.kind].append(found)
    materials = chance.sample(by_kind[CategoryKind.MATERIAL], 6)
    equipment = chance.sample(by_kind[CategoryKind.EQUIPMENT], 2)
    for number in range(40):
        kind = chance.choice(
            [ListingKind.MATERIAL] * 5 + [ListingKind.EQUIPMENT, ListingKind.WANTED]
        )
        category = chance.choice(equipment if kind == ListingKind.EQUIPMENT else materials)
        if kind == ListingKind.EQUIPMENT:
            price_model = chance.choice([PriceModel.RENTAL, PriceModel.FREE])
        elif kind == ListingKind.WANTED:
            price_model = chance.choice([PriceModel.FREE, PriceModel.PER_UNIT])
        else:
            price_model = chance.choice([PriceModel.FREE, PriceModel.PER_UNIT, PriceModel.PER_LOT])
        make_listing(
            owner=owner,
            site=chance.choice(sites),
            publish=number % 13 != 5,  # a few drafts, which are never found
            kind=kind,
            category_id=category.id,
            title=f"Lava {number} {chance.choice(COLOURS)}",
            condition=chance.choice([*Condition, None]),
            unit=Unit.PCS,
            quantity=Decimal(chance.randint(1, 50)),
            price_model=price_model,
            price_cents=None if price_model == PriceModel.FREE else chance.randint(1, 400) * 50,
            available_until=today_in_finland() + timedelta(days=30),
        )
    return {"organisations": [o.id for o in organisations], "families": _families(materials)}


def _families(materials: list[Category]) -> list[str]:
    return sorted({category.parent.slug for category in materials if category.parent})


def database_rows() -> list[Row]:
    """The searchable listings, read with plain SQL."""
    family = sa.func.coalesce(Category.parent_id, Category.id)
    query = (
        sa.select(
            Listing, family.label("family_id"), Site.latitude, Site.longitude, Site.organisation_id
        )
        .join(Category, Listing.category_id == Category.id)
        .join(Site, Listing.site_id == Site.id)
        .where(
            Listing.status == ListingStatus.ACTIVE,
            sa.or_(Listing.kind != ListingKind.MATERIAL, Listing.quantity_available > 0),
        )
    )
    slugs: dict[int, str] = {
        row.id: row.slug for row in db.session.execute(sa.select(Category.id, Category.slug))
    }
    rows = []
    for listing, family_id, lat, lon, site_organisation in db.session.execute(query):
        free = listing.price_model == PriceModel.FREE
        rows.append(
            Row(
                id=listing.id,
                kind=listing.kind.value,
                category=slugs[listing.category_id],
                family_id=family_id,
                family=slugs[family_id],
                condition=listing.condition.value if listing.condition else None,
                organisation_id=listing.organisation_id,
                free=free,
                price=0 if free else listing.price_cents or (listing.week_price_cents or 0) // 7,
                # A private person's place is searched at its public, approximate point.
                point=Point(*public_point(lat, lon, site_organisation)),
                published=listing.published_at,
                title=listing.title,
            )
        )
    return rows


def matches(row: Row, args: dict[str, str], point: Point | None, but: str = "") -> bool:
    checks = {
        "kind": lambda: row.kind == args["kind"],
        "condition": lambda: row.condition == args["condition"],
        "category": lambda: args["category"] in (row.category, row.family),
        "organisation": lambda: row.organisation_id == int(args["organisation"]),
        "free": lambda: row.free or args["free"] == "0",
        "min_price": lambda: row.price >= int(Decimal(args["min_price"]) * 100),
        "max_price": lambda: row.price <= int(Decimal(args["max_price"]) * 100),
        "q": lambda: args["q"] in row.title,
        "radius_km": lambda: (
            point is not None and haversine_km(point, row.point) <= float(args["radius_km"])
        ),
    }
    return all(check() for name, check in checks.items() if name in args and name != but)


def expected_order(rows: list[Row], args: dict[str, str], point: Point | None) -> list[int]:
    sort = args.get("sort") or ("nearest" if point else "newest")
    if sort == "nearest" and point is not None:
        rows = sorted(rows, key=lambda r: (haversine_km(point, r.point), -r.id))
    elif sort == "price":
        rows = sorted(rows, key=lambda r: (r.price, -r.id))
    else:
        rows = sorted(rows, key=lambda r: (r.published, r.id), reverse=True)
    return [row.id for row in rows]


def all_pages(
    find: Callable[..., SearchPage], args: dict[str, str]
) -> tuple[list[int], SearchPage]:
    first = find(**args, per_page=7)
    found = ids(first)
    for page in range(2, first.pages + 1):
        found += ids(find(**args, per_page=7, page=page))
    return found, first


CASES: list[dict[str, str]] = [
    {},
    {"kind": "material"},
    {"kind": "equipment", "sort": "price"},
    {"condition": "good"},
    {"free": "1"},
    {"min_price": "10", "max_price": "80"},
    {"max_price": "0.5", "sort": "price"},
    {"sort": "price"},
    {"q": "punainen"},
    {"q": "valkoinen", "kind": "material", "sort": "newest"},
    {"near": "60.2172,24.7535", "radius_km": "3"},
    {"near": "60.2172,24.7535", "sort": "nearest"},
    {"postal_code": "02100", "radius_km": "6", "sort": "nearest"},
    {"near": "60.1850,24.8280", "radius_km": "10", "sort": "price", "free": "0"},
    {"condition": "fair", "kind": "wanted"},
]


def disagreements(
    find: Callable[..., SearchPage], rows: list[Row], args: dict[str, str]
) -> list[str]:
    point = None
    if "near" in args:
        point = Point(*map(float, args["near"].split(",")))
    if "postal_code" in args:
        point = Point(60.1757, 24.8049)  # Tapiola's centre
    wanted = [row for row in rows if matches(row, args, point)]
    found, page = all_pages(find, args)
    problems = []
    if page.problems or page.total != len(wanted):
        problems.append(f"total {page.total} != {len(wanted)} ({page.problems})")
    if "q" in args and "sort" not in args:
        if sorted(found) != sorted(row.id for row in wanted):  # ranked by relevance
            problems.append(f"found {sorted(found)}")
    elif found != expected_order(wanted, args, point):
        problems.append(f"order {found} != {expected_order(wanted, args, point)}")
    # Facets: each counts what its values would find with the other filters applied.
    expected_facets = {
        "kinds": Counter(row.kind for row in rows if matches(row, args, point, but="kind")),
        "conditions": Counter(
            row.condition
            for row in rows
            if row.condition and matches(row, args, point, but="condition")
        ),
        "families": Counter(
            row.family_id for row in rows if matches(row, args, point, but="category")
        ),
        "organisations": Counter(
            row.organisation_id
            for row in rows
            if row.organisation_id and matches(row, args, point, but="organisation")
        ),
    }
    for name, counts in expected_facets.items():
        if getattr(page.facets, name) != dict(counts):
            problems.append(f"{name} {getattr(page.facets, name)} != {dict(counts)}")
    if point is not None:
        distances = {row.id: haversine_km(point, row.point) for row in wanted}
        for result in page.results:
            if abs((result.distance_km or 0) - distances[result.listing.id]) > 0.01:
                problems.append(f"distance of {result.listing.id}: {result.distance_km}")
    return [f"{args}: {problem}" for problem in problems]


def test_search_agrees_with_the_database(
    app: Flask, marketplace: dict[str, Any], find: Callable[..., SearchPage]
) -> None:
    cases = [
        *CASES,
        {"category": marketplace["families"][0]},
        {"organisation": str(marketplace["organisations"][1]), "sort": "price"},
        {"category": marketplace["families"][-1], "kind": "material", "condition": "good"},
    ]
    rows = database_rows()
    assert len(rows) > 30
    problems = [problem for args in cases for problem in disagreements(find, rows, args)]
    assert not problems, "\n".join(problems)


def test_bad_filter_values_are_dropped_and_explained(
    marketplace: dict[str, Any], find: Callable[..., SearchPage]
) -> None:
    everything = find().total
    page = find(kind="pirate", radius_km="5", min_price="lots", category="no-such-thing")
    assert page.total == everything
    assert {problem.field for problem in page.problems} == {
        "kind",
        "radius_km",
        "min_price",
        "category",
    }
    assert find(postal_code="99999").problems[0].field == "postal_code"
