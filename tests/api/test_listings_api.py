"""The public listings API: its shape, its parameters, and its errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.models import (
    DecisionAction,
    Listing,
    ListingKind,
    ModerationTarget,
    PriceModel,
    Role,
    Unit,
)
from marketplace.moderation import decisions
from tests.support import Client

pytestmark = pytest.mark.search

ITEM_KEYS = {
    "id",
    "url",
    "kind",
    "title",
    "description",
    "language",
    "category",
    "condition",
    "quantity_total",
    "quantity_available",
    "unit",
    "price",
    "min_rental_days",
    "deposit",
    "location",
    "available_from",
    "available_until",
    "photos",
    "organisation",
    "status",
    "created_at",
    "updated_at",
}
DECIMAL = re.compile(r"\d+(\.\d+)?")


@pytest.fixture
def catalogue(
    make_user: Callable[..., Any],
    make_organisation: Callable[..., Any],
    make_site: Callable[..., Any],
    make_listing: Callable[..., Listing],
    category: Callable[[str], Any],
) -> dict[str, Listing]:
    owner = make_user()
    organisation = make_organisation(owner, name="Vuokrakone Espoo Oy")
    site = make_site(owner, organisation)
    return {
        "bricks": make_listing(owner=owner, site=site, title="Punatiilet", photos=2),
        "wool": make_listing(
            owner=owner,
            site=site,
            title="Mineraalivilla",
            category_id=category("mineral-wool").id,
            unit=Unit.M2,
            quantity=Decimal("12.5"),
            price_model=PriceModel.PER_UNIT,
            price_cents=250,
        ),
        "lift": make_listing(
            owner=owner,
            site=site,
            kind=ListingKind.EQUIPMENT,
            title="Saksinostin",
            category_id=category("scissor-lifts").id,
            condition=None,
            quantity=Decimal(1),
            price_model=PriceModel.RENTAL,
            price_cents=9000,
            deposit_cents=20000,
            min_rental_days=2,
        ),
        "draft": make_listing(owner=owner, site=site, title="Luonnos", publish=False),
    }


def test_search_answers_a_page_of_listings_with_facets(
    client: Client, catalogue: dict[str, Listing]
) -> None:
    response = client.get("/api/v1/listings?per_page=2")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page", "facets"}
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 2
    assert len(body["items"]) == 2
    assert body["facets"]["kind"] == {"material": 2, "equipment": 1}
    assert body["facets"]["category"]["bricks-ceramics"] == 1
    assert body["facets"]["condition"] == {"good": 2}
    second = client.get("/api/v1/listings?per_page=2&page=2").get_json()
    assert len(second["items"]) == 1
    past_the_end = client.get("/api/v1/listings?page=9").get_json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 3


def test_a_listing_in_the_contract_shape(client: Client, catalogue: dict[str, Listing]) -> None:
    items = {item["title"]: item for item in client.get("/api/v1/listings").get_json()["items"]}
    bricks, wool, lift = items["Punatiilet"], items["Mineraalivilla"], items["Saksinostin"]
    assert set(bricks) == ITEM_KEYS  # no distance without a point
    assert bricks["id"] == catalogue["bricks"].id
    assert bricks["url"] == f"http://127.0.0.1:5000/listings/{catalogue['bricks'].id}"
    assert bricks["kind"] == "material" and bricks["language"] == "fi"
    assert bricks["category"]["slug"] == "common-bricks" and bricks["category"]["name"]
    assert bricks["quantity_total"] == bricks["quantity_available"] == "500"
    assert bricks["price"] is None and bricks["deposit"] is None
    assert len(bricks["photos"]) == 2
    assert bricks["photos"][0].startswith("http://127.0.0.1:5000/media/")
    assert bricks["location"] == {
        "name": "Kera työmaa",
        "city": "Espoo",
        "postal_code": "02650",
        "lat": 60.2172,
        "lon": 24.7535,
        "approximate": False,
    }
    assert bricks["organisation"] == "Vuokrakone Espoo Oy" and bricks["status"] == "active"
    assert bricks["created_at"].endswith("+00:00") and re.match(
        r"\d{4}-\d\d-\d\d$", bricks["available_from"]
    )
    assert wool["quantity_total"] == "12.5" and DECIMAL.fullmatch(wool["quantity_available"])
    assert wool["price"] == {"amount": "2.50", "currency": "EUR", "per": "unit"}
    assert lift["price"] == {"amount": "90.00", "currency": "EUR", "per": "day"}
    assert lift["deposit"] == "200.00" and lift["min_rental_days"] == 2
    assert lift["condition"] is None


def test_parameters_filter_and_sort(client: Client, catalogue: dict[str, Listing]) -> None:
    def titles(query: str) -> list[str]:
        response = client.get(f"/api/v1/listings?{query}")
        assert response.status_code == 200, response.get_json()
        return [item["title"] for item in response.get_json()["items"]]

    assert titles("q=tiiliä") == ["Punatiilet"]
    assert titles("kind=equipment") == ["Saksinostin"]
    assert titles("category=insulation") == ["Mineraalivilla"]
    assert titles("free=1") == ["Punatiilet"]
    assert titles("min_price=1&max_price=3") == ["Mineraalivilla"]
    assert titles("condition=good&sort=price") == ["Punatiilet", "Mineraalivilla"]
    assert titles("near=60.1757,24.8049&radius_km=1") == []
    near = client.get("/api/v1/listings?near=60.2172,24.7535&radius_km=1&sort=nearest").get_json()
    assert near["total"] == 3 and all(item["distance_km"] == 0.0 for item in near["items"])


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("colour=red", {"colour"}),
        ("radius_km=5", {"radius_km"}),
        ("near=91,24&radius_km=5", {"near", "radius_km"}),
        ("near=60,181", {"near"}),
        ("near=sixty", {"near"}),
        ("page=0&per_page=61", {"page", "per_page"}),
        ("min_price=10&max_price=5", {"max_price"}),
        ("sort=nearest", {"sort"}),
        ("kind=pirate&condition=broken&free=maybe", {"kind", "condition", "free"}),
        ("category=no-such-category", {"category"}),
        ("postal_code=99999", {"postal_code"}),
        ("q=" + "x" * 201, {"q"}),
    ],
)
def test_bad_parameters_are_named_in_a_problem(
    client: Client, catalogue: dict[str, Listing], query: str, fields: set[str]
) -> None:
    response = client.get(f"/api/v1/listings?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 422
    assert {error["field"] for error in body["errors"]} == fields


def test_one_public_listing(
    client: Client, catalogue: dict[str, Listing], make_user: Callable[..., Any]
) -> None:
    bricks = catalogue["bricks"]
    response = client.get(f"/api/v1/listings/{bricks.id}")
    assert response.status_code == 200 and set(response.get_json()) == ITEM_KEYS
    for hidden in (catalogue["draft"].id, 999_999):
        missing = client.get(f"/api/v1/listings/{hidden}")
        assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    moderator = make_user(role=Role.MODERATOR)
    decisions.decide_on_item(
        ModerationTarget.LISTING,
        catalogue["wool"].id,
        moderator,
        decisions.DecisionEntry(
            DecisionAction.REMOVE_LISTING, "terms-lawful-accurate", "", "Väärä luokka, väärä tuote."
        ),
    )
    assert client.get(f"/api/v1/listings/{catalogue['wool'].id}").status_code == 404
    listing_services.close_listing(bricks, bricks.owner)
    closed = client.get(f"/api/v1/listings/{bricks.id}").get_json()
    assert closed["status"] == "closed"
    # Closed and removed listings leave the search at once.
    assert [item["title"] for item in client.get("/api/v1/listings").get_json()["items"]] == [
        "Saksinostin"
    ]


def test_the_search_never_shows_a_listing_gone_behind_its_back(
    client: Client, catalogue: dict[str, Listing]
) -> None:
    db.session.execute(
        sa.text("UPDATE listings SET status = 'paused' WHERE id = :id"),
        {"id": catalogue["lift"].id},
    )
    db.session.commit()
    body = client.get("/api/v1/listings?kind=equipment").get_json()
    assert body["items"] == [] and body["total"] == 0
