"""The open-data feeds: schema page, licence, privacy of residents' places, caching."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from marketplace.impact.exports import BOM
from marketplace.impact.open_data import IMPACT_FIELDS, LISTING_FIELDS
from marketplace.models import Listing
from marketplace.search.geo import POSTAL_CODES
from marketplace.sites.places import snapped
from tests.impact.conftest import Handovers
from tests.support import Client, text


def feed(client: Client, name: str) -> dict[str, Any]:
    response = client.get(f"/open-data/{name}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return dict(json.loads(response.get_data()))


def test_schema_page_documents_every_field_and_the_licence(client: Client) -> None:
    page = text(client.get("/open-data/", headers={"Accept-Language": "en"}))
    for field in (*LISTING_FIELDS, *IMPACT_FIELDS):
        assert f"<code>{field.name}</code>" in page
    assert "CC BY 4.0" in page and 'rel="license"' in page
    for name in ("listings.json", "listings.csv", "impact.json", "impact.csv"):
        assert f"/open-data/{name}" in page


def test_listings_feed_has_a_licence_and_every_field(client: Client, handovers: Handovers) -> None:
    document = feed(client, "listings")
    assert document["licence"]["id"] == "CC-BY-4.0"
    assert document["licence"]["url"].startswith("https://creativecommons.org/licenses/by/4.0")
    assert document["count"] == len(document["items"]) > 0
    documented = {f.name for f in LISTING_FIELDS} - {"licence"}
    assert all(set(item) == documented for item in document["items"])


def test_residents_places_are_not_published_exactly(
    client: Client, handovers: Handovers, make_listing: Callable[..., Listing]
) -> None:
    items = {item["id"]: item for item in feed(client, "listings")["items"]}
    resident = next(i for i in items.values() if i["postal_code"] == "02100")
    centre = POSTAL_CODES["02100"].point
    assert (resident["latitude"], resident["longitude"]) == (centre.lat, centre.lon)
    assert (resident["latitude"], resident["longitude"]) != (
        handovers.tapiola.latitude,
        handovers.tapiola.longitude,
    )
    assert resident["location_precision"] == "postal_area" and resident["organisation"] is None
    assert "Tapionraitti" not in json.dumps(items)
    contractor = next(i for i in items.values() if i["organisation"] == "Rakennus Kera Oy")
    assert (contractor["latitude"], contractor["longitude"]) == (
        handovers.kera.latitude,
        handovers.kera.longitude,
    )
    assert contractor["location_precision"] == "exact"


def test_an_unknown_area_is_snapped_to_the_grid_the_product_shows(
    client: Client, make_user: Any, make_site: Any, make_listing: Callable[..., Listing]
) -> None:
    from marketplace.sites.services import SiteDetails

    owner = make_user()
    home = make_site(
        owner, details=SiteDetails("Koti", "Tie 1", "02940", "Espoo", 60.21873, 24.66219)
    )
    listing = make_listing(owner=owner, site=home)
    item = next(i for i in feed(client, "listings")["items"] if i["id"] == listing.id)
    assert (item["latitude"], item["longitude"], item["location_precision"]) == (
        *snapped(60.21873, 24.66219),
        "approximate",
    )
    assert item["latitude"] == pytest.approx(60.21873, abs=0.005)


def test_listings_csv_carries_the_licence_in_every_row(
    client: Client, handovers: Handovers
) -> None:
    response = client.get("/open-data/listings.csv")
    body = response.get_data().decode()
    assert response.mimetype == "text/csv" and body.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(body.removeprefix(BOM))))
    assert list(rows[0]) == [f.name for f in LISTING_FIELDS]
    assert {row["licence"] for row in rows} == {"CC-BY-4.0"}
    assert 'rel="license"' in response.headers["Link"]


def test_impact_feed_is_monthly_by_family_and_area(client: Client, handovers: Handovers) -> None:
    document = feed(client, "impact")
    assert document["licence"]["name"] == "CC BY 4.0"
    rows = {(r["family"], r["postal_code"]): r for r in document["items"]}
    bricks = rows[("bricks-ceramics", "02650")]
    assert (bricks["mass_kg"], bricks["co2e_kg"], bricks["area_sv"]) == ("92", "22.1", "Kera")
    furniture = rows[("furniture", "02100")]
    assert furniture["mass_kg"] is None and furniture["co2e_kg"] is None  # unknown, not 0
    assert furniture["mass_unknown"] == 1 and furniture["area_sv"] == "Hagalund"
    csv_rows = list(
        csv.DictReader(io.StringIO(client.get("/open-data/impact.csv").get_data().decode()[1:]))
    )
    assert len(csv_rows) == len(rows) and {r["licence"] for r in csv_rows} == {"CC-BY-4.0"}


def test_feeds_are_cacheable(client: Client, handovers: Handovers) -> None:
    for name in ("listings.json", "listings.csv", "impact.json", "impact.csv"):
        response = client.get(f"/open-data/{name}")
        assert "public" in response.headers["Cache-Control"]
        assert "max-age=900" in response.headers["Cache-Control"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Set-Cookie" not in response.headers
        etag = response.headers["ETag"]
        again = client.get(f"/open-data/{name}", headers={"If-None-Match": etag})
        assert again.status_code == 304


def test_feeds_refuse_parameters(client: Client) -> None:
    response = client.get("/open-data/listings.json?kind=wanted")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "kind" in response.get_json()["detail"]
