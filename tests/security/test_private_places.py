"""A private person's home is not published (issue 15, item 3).

A resident's pickup place is shown to the public as its postal area and a point snapped to a
fixed grid of about 500 m, drawn as an area: on the listing page, in search results and their
map, in the API, in open data and in e-mails to strangers. The exact address and pickup
instructions reach a requester once the lister accepts. Organisations' sites stay exact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.alerts import matching
from marketplace.extensions import db
from marketplace.models import Category, Listing, ListingKind, Notification, Role, Site, User
from marketplace.reservations import materials, transitions
from marketplace.reservations.materials import MaterialRequest
from marketplace.search.geo import POSTAL_CODES, Point, haversine_km
from marketplace.search.indexing import extension
from marketplace.sites.places import MAX_SHIFT_KM, snapped
from marketplace.sites.services import SiteDetails
from tests.conftest import KERA, CollectingHandler
from tests.reservations.conftest import tomorrow_at
from tests.search.conftest import BACKEND_CASES
from tests.support import Client, text

EN = {"Accept-Language": "en"}
HOME = SiteDetails("Virtasen koti", "Kotikuja 5 B 12", "02650", "Espoo", 60.21834, 24.75012)
# A postal code the product has no centre for (see search.geo.POSTAL_CODES).
FAR_HOME = SiteDetails("Virtasen mökki", "Mökkitie 7", "02940", "Espoo", 60.21873, 24.66219)
DOOR_CODE = "Ovikoodi 4321, B-rappu"
SECRETS = ("Kotikuja", "Virtasen koti", "60.21834", "24.75012", DOOR_CODE)
GRID = snapped(HOME.latitude, HOME.longitude)


@pytest.fixture
def search_backend() -> str | None:
    """The backend a test asks for by parametrising this; None: what SEARCH_BACKEND says."""
    return None


@pytest.fixture
def app_config(app_config: dict[str, Any], search_backend: str | None) -> dict[str, Any]:
    if search_backend is not None:
        app_config["SEARCH_BACKEND"] = search_backend
    return app_config


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(email="matti@example.fi", name="Matti V")


@pytest.fixture
def home(resident: User, make_site: Callable[..., Site]) -> Site:
    return make_site(resident, None, HOME)


@pytest.fixture
def bricks(app: Flask, resident: User, home: Site, make_listing: Callable[..., Listing]) -> Listing:
    return make_listing(owner=resident, site=home, pickup_instructions=DOOR_CODE)


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user(email="stranger@example.fi", name="Stranger")


def settle(app: Flask) -> None:
    assert extension(app).sync.drain(timeout=30)


def assert_private(body: str) -> None:
    leaked = [secret for secret in SECRETS if secret in body]
    assert leaked == [], f"published: {leaked}"


def near_the_grid(lat: float, lon: float) -> None:
    assert (lat, lon) == GRID
    assert (lat, lon) != (HOME.latitude, HOME.longitude)
    exact = Point(HOME.latitude, HOME.longitude)
    assert haversine_km(exact, Point(lat, lon)) <= MAX_SHIFT_KM < 0.5


def map_data(page: str) -> list[dict[str, Any]]:
    found = re.search(r'<script type="application/json" id="search-map-data">(.*?)</script>', page)
    assert found is not None
    return list(json.loads(found.group(1)))


def test_the_grid_is_fixed_and_about_500_m() -> None:
    # Deterministic: two points of one cell share it; a point keeps its cell on every call.
    assert snapped(60.21834, 24.75012) == snapped(60.21834, 24.75012) == GRID
    assert snapped(60.2185, 24.7503) == GRID
    assert snapped(60.2172, 24.7535) != GRID  # 200 m away, in the next cell
    for lat, lon in [(60.1, 24.6), (65.0, 25.5), (69.9, 27.0), (60.21834, 24.75012)]:
        assert haversine_km(Point(lat, lon), Point(*snapped(lat, lon))) <= MAX_SHIFT_KM


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "another-user"])
def test_the_listing_page_shows_only_the_postal_area(
    client: Client, bricks: Listing, stranger: User, signed_in: bool
) -> None:
    if signed_in:
        client.sign_in(stranger.email)
    page = text(client.get(f"/listings/{bricks.id}", headers=EN))
    assert_private(page)
    assert "02650 Espoo" in page
    # The map draws an area around the grid point and says so in text beside it.
    assert f'data-lat="{GRID[0]}" data-lon="{GRID[1]}" data-radius="500"' in page
    assert 'aria-describedby="place-note"' in page and "within about 500 m" in page


def test_the_lister_and_moderators_see_the_exact_place(
    client: Client, bricks: Listing, resident: User, make_user: Callable[..., User]
) -> None:
    client.sign_in(resident.email)
    own = text(client.get(f"/listings/{bricks.id}", headers=EN))
    assert "Kotikuja 5 B 12" in own and "Virtasen koti" in own and DOOR_CODE in own
    assert f'data-lat="{HOME.latitude}"' in own and "data-radius" not in own
    assert "Others see the postal area" in own
    moderator = make_user(email="mod@example.fi", role=Role.MODERATOR)
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(moderator.email)
    assert "Kotikuja 5 B 12" in text(client.get(f"/listings/{bricks.id}", headers=EN))


@pytest.mark.search
def test_search_results_and_their_map_show_an_area(
    app: Flask, client: Client, bricks: Listing
) -> None:
    settle(app)
    page = text(client.get("/listings/?view=map&q=punatiilet", headers=EN))
    assert_private(page)
    assert "Pickup area: 02650 Espoo" in page
    [marker] = map_data(page)
    assert marker["id"] == bricks.id and marker["radius_m"] == 500
    assert marker["place"] == "02650 Espoo"
    near_the_grid(marker["lat"], marker["lon"])


@pytest.mark.search
def test_the_api_gives_the_postal_area_and_an_approximate_point(
    app: Flask, client: Client, bricks: Listing
) -> None:
    settle(app)
    one = client.get(f"/api/v1/listings/{bricks.id}")
    found = client.get("/api/v1/listings?q=punatiilet")
    for response, item in [
        (one, one.get_json()),
        (found, found.get_json()["items"][0]),
    ]:
        assert response.status_code == 200
        assert_private(text(response))
        location = item["location"]
        assert set(location) == {"city", "postal_code", "lat", "lon", "approximate"}
        assert location["approximate"] is True
        assert (location["postal_code"], location["city"]) == ("02650", "Espoo")
        near_the_grid(location["lat"], location["lon"])


@pytest.mark.search
@pytest.mark.parametrize(
    ("database_url", "search_backend"), BACKEND_CASES, indirect=["database_url"]
)
def test_distance_search_near_the_home_finds_it_at_the_approximate_point(
    app: Flask, client: Client, bricks: Listing
) -> None:
    settle(app)
    near = f"{HOME.latitude},{HOME.longitude}"
    body = client.get(f"/api/v1/listings?near={near}&radius_km=1&sort=nearest").get_json()
    assert [item["id"] for item in body["items"]] == [bricks.id]
    # Measured to the grid point: a distance of 0 would confirm the exact home.
    expected = haversine_km(Point(HOME.latitude, HOME.longitude), Point(*GRID))
    assert body["items"][0]["distance_km"] == pytest.approx(expected, abs=0.01)
    assert body["items"][0]["distance_km"] > 0.1
    # The site's name ("Home", often the resident's own name) is not searchable.
    assert client.get("/api/v1/listings?q=Virtasen").get_json()["total"] == 0
    page = text(client.get(f"/listings/?near={near}&radius_km=1", headers=EN))
    # The page repeats the point searched from, which is the visitor's own.
    assert "Punatiilet" in page and "m away" in page and "Pickup area: 02650 Espoo" in page
    assert "Kotikuja" not in page and "Virtasen koti" not in page


def test_open_data_publishes_no_home(
    client: Client,
    resident: User,
    bricks: Listing,
    make_site: Callable[..., Site],
    make_listing: Callable[..., Listing],
) -> None:
    cottage = make_listing(owner=resident, site=make_site(resident, None, FAR_HOME))
    response = client.get("/open-data/listings.json")
    assert_private(text(response))
    assert "Mökkitie" not in text(response) and "Virtasen mökki" not in text(response)
    items = {item["id"]: item for item in response.get_json()["items"]}
    centre = POSTAL_CODES["02650"].point
    known = items[bricks.id]
    assert (known["latitude"], known["longitude"]) == (centre.lat, centre.lon)
    assert known["location_precision"] == "postal_area" and known["postal_code"] == "02650"
    # An unknown area: the same approximate point as the API, never a second rounding
    # whose cells would cut the API's into smaller pieces.
    unknown = items[cottage.id]
    location = client.get(f"/api/v1/listings/{cottage.id}").get_json()["location"]
    assert (unknown["latitude"], unknown["longitude"]) == (location["lat"], location["lon"])
    assert unknown["location_precision"] == "approximate"
    assert_private(text(client.get("/open-data/listings.csv")))
    described = text(client.get("/open-data/", headers=EN))
    assert "about 500 m" in described and "about a kilometre" not in described


@pytest.mark.search
def test_a_saved_search_alert_to_a_stranger_has_no_street(
    smtp_server: CollectingHandler,
    client: Client,
    stranger: User,
    resident: User,
    home: Site,
    make_listing: Callable[..., Listing],
) -> None:
    client.sign_in(stranger.email)
    client.submit(
        "/saved-searches/new",
        {
            "query": "q=tiiliä&postal_code=02650&radius_km=10",
            "name": "Tiiliä Keralta",
            "frequency": "instant",
            "by_email": "y",
        },
    )
    bricks = make_listing(owner=resident, site=home, pickup_instructions=DOOR_CODE)
    [message] = smtp_server.messages
    body = message.get_content()
    assert message["To"] == stranger.email and f"/listings/{bricks.id}" in body
    assert_private(body)


def test_a_wanted_ad_match_to_a_stranger_has_no_street_nor_exact_distance(
    smtp_server: CollectingHandler,
    stranger: User,
    resident: User,
    home: Site,
    make_organisation: Callable[..., Any],
    make_site: Callable[..., Site],
    make_listing: Callable[..., Listing],
    category: Callable[[str], Category],
) -> None:
    depot = make_site(stranger, make_organisation(stranger), KERA)
    make_listing(
        owner=stranger,
        site=depot,
        kind=ListingKind.WANTED,
        title="Etsitään tiiliä puutarhaan",
        description="",
        condition=None,
        category_id=category("common-bricks").id,
    )
    bricks = make_listing(owner=resident, site=home, pickup_instructions=DOOR_CODE)
    [message] = smtp_server.messages
    assert message["To"] == stranger.email
    assert_private(message.get_content())
    db.session.rollback()
    notice = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == stranger.id, Notification.kind == "wanted_match"
        )
    )
    assert notice is not None and notice.data["offers"][0]["id"] == bricks.id
    depot_point = Point(KERA.latitude, KERA.longitude)
    to_grid = round(haversine_km(depot_point, Point(*GRID)), 2)
    to_home = round(haversine_km(depot_point, Point(HOME.latitude, HOME.longitude)), 2)
    assert notice.data["offers"][0]["distance_km"] == to_grid != to_home
    [match] = matching.wanted_for_offer(bricks)
    assert match.distance_km == to_grid


def test_a_requester_gets_the_address_only_once_accepted(
    smtp_server: CollectingHandler,
    client: Client,
    new_client: Callable[..., Client],
    bricks: Listing,
    resident: User,
    stranger: User,
    make_user: Callable[..., User],
) -> None:
    requester = make_user(email="requester@example.fi", name="Requester")
    reservation = materials.reserve_material(
        requester, bricks, MaterialRequest(quantity=Decimal(20), pickup_at=tomorrow_at())
    )
    client.sign_in(requester.email)
    assert_private(text(client.get(f"/reservations/{reservation.id}", headers=EN)))
    assert_private(text(client.get(f"/listings/{bricks.id}", headers=EN)))
    to_requester = [m for m in smtp_server.messages if m["To"] == requester.email]
    assert all("Kotikuja" not in m.get_content() for m in to_requester)

    transitions.accept(reservation, resident)
    [accepted] = [m for m in smtp_server.messages if m["To"] == requester.email]
    notice = accepted.get_content()
    assert "Virtasen koti, Kotikuja 5 B 12, 02650 Espoo" in notice and DOOR_CODE in notice
    for url in (f"/reservations/{reservation.id}", f"/listings/{bricks.id}"):
        page = text(client.get(url, headers=EN))
        assert "Kotikuja 5 B 12" in page and DOOR_CODE in page, url

    db.session.refresh(reservation)
    transitions.complete(reservation, resident, reservation.pickup_code or "")
    assert "Kotikuja 5 B 12" in text(client.get(f"/reservations/{reservation.id}", headers=EN))
    # Everyone else still sees the postal area only.
    other = new_client()
    other.sign_in(stranger.email)
    assert_private(text(other.get(f"/listings/{bricks.id}", headers=EN)))


@pytest.mark.search
def test_an_organisations_site_stays_public_as_it_is(
    app: Flask,
    client: Client,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Any],
    make_site: Callable[..., Site],
    make_listing: Callable[..., Listing],
) -> None:
    owner = make_user()
    site = make_site(owner, make_organisation(owner))
    listing = make_listing(owner=owner, site=site, pickup_instructions="Portti 2")
    settle(app)
    page = text(client.get(f"/listings/{listing.id}", headers=EN))
    assert "Kera työmaa" in page and "Keranportti 3, 02650 Espoo" in page and "Portti 2" in page
    assert f'data-lat="{KERA.latitude}" data-lon="{KERA.longitude}"' in page
    assert "data-radius" not in page
    location = client.get(f"/api/v1/listings/{listing.id}").get_json()["location"]
    assert location == {
        "name": "Kera työmaa",
        "city": "Espoo",
        "postal_code": "02650",
        "lat": KERA.latitude,
        "lon": KERA.longitude,
        "approximate": False,
    }
    [marker] = map_data(text(client.get("/listings/?view=map", headers=EN)))
    assert (marker["lat"], marker["lon"], marker["radius_m"]) == (
        KERA.latitude,
        KERA.longitude,
        None,
    )
    [item] = client.get("/open-data/listings.json").get_json()["items"]
    assert (item["latitude"], item["location_precision"]) == (KERA.latitude, "exact")
