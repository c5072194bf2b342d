"""The search page: a GET form that works without JavaScript, a fragment for htmx, a map view,
and an answer to any input that is never a server error."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.models import Listing, Unit
from marketplace.search.services import SearchPage
from marketplace.sites.services import SiteDetails
from tests.support import Client, text

pytestmark = pytest.mark.search

TAPIOLA = SiteDetails("Koti, Tapiola", "Tapionraitti 12", "02100", "Espoo", 60.1757, 24.8049)


@pytest.fixture
def two_listings(
    make_user: Callable[..., Any],
    make_site: Callable[..., Any],
    make_listing: Callable[..., Listing],
    category: Callable[[str], Any],
) -> tuple[Listing, Listing]:
    owner = make_user()
    bricks = make_listing(owner=owner, title="Punatiilet lavalla", photos=1)
    wool = make_listing(
        owner=owner,
        site=make_site(owner, None, TAPIOLA),
        title="Mineraalivilla 50 mm",
        category_id=category("mineral-wool").id,
        unit=Unit.M2,
        quantity=Decimal(40),
    )
    return bricks, wool


def test_the_page_works_as_a_plain_form(client: Client, two_listings: Any) -> None:
    page = text(client.get("/listings/?q=tiiliä", headers={"Accept-Language": "en"}))
    assert re.search(r'<form id="search-form"[^>]*method="get" action="/listings/"', page)
    assert '<button type="submit">Search</button>' in page
    assert 'value="tiiliä"' in page
    assert "Punatiilet lavalla" in page and "Mineraalivilla" not in page
    assert 'role="status"' in page and "1 listing" in page
    # A resident's place: its postal area, never the site's name.
    assert "Pickup area: 02650 Espoo" in page and "Kera työmaa" not in page


def test_htmx_gets_the_results_and_the_counts_alone(client: Client, two_listings: Any) -> None:
    response = client.get("/listings/?q=villa", headers={"HX-Request": "true"})
    fragment = text(response)
    assert "<html" not in fragment and 'id="results"' in fragment
    assert "Mineraalivilla 50 mm" in fragment
    # The count for the live region and the filters with new counts, out of band.
    assert 'id="result-count" hx-swap-oob="innerHTML"' in fragment
    assert 'id="facet-filters" class="grid-3 facet-filters" hx-swap-oob="true"' in fragment
    assert "HX-Request" in response.headers["Vary"]
    restore = client.get(
        "/listings/?q=villa", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in text(restore)


def test_organisations_with_listings_are_a_facet(
    client: Client,
    make_user: Callable[..., Any],
    make_organisation: Callable[..., Any],
    make_site: Callable[..., Any],
    make_listing: Callable[..., Listing],
) -> None:
    owner = make_user()
    contractor = make_organisation(owner, name="Rakennus Kera Oy")
    make_organisation(owner, name="Tyhjä Oy")
    site = make_site(owner, contractor)
    make_listing(owner=owner, site=site, title="Lauta")
    make_listing(owner=owner, site=site, title="Tiili")
    page = text(client.get("/listings/?q=lauta"))
    assert f'<option value="{contractor.id}">Rakennus Kera Oy (1)</option>' in page
    assert "Tyhjä Oy" not in page


def test_links_keep_the_search(client: Client, make_listing: Callable[..., Listing]) -> None:
    for number in range(26):
        make_listing(title=f"Lauta {number}")
    page = text(client.get("/listings/?q=lauta&free=1&sort=newest"))
    assert 'href="/listings/?q=lauta&amp;free=1&amp;sort=newest&amp;page=2"' in page
    assert 'href="/listings/?q=lauta&amp;free=1&amp;sort=newest&amp;view=map"' in page


def test_the_map_view_carries_its_markers_as_data(
    client: Client, two_listings: tuple[Listing, Listing]
) -> None:
    bricks, wool = two_listings
    page = text(
        client.get("/listings/?view=map&postal_code=02100", headers={"Accept-Language": "en"})
    )
    assert 'id="search-map"' in page and 'data-tiles="https://tile.openstreetmap.org' in page
    data = re.search(
        r'<script type="application/json" id="search-map-data">(.*?)</script>', page, re.S
    )
    assert data is not None
    markers = json.loads(data.group(1))
    # Nearest first from Tapiola: the wool is there, the bricks in Kera.
    assert [marker["url"] for marker in markers] == [
        f"/listings/{wool.id}",
        f"/listings/{bricks.id}",
    ]
    # A resident's place is an area around an approximate point, not a pin.
    assert markers[0]["lat"] == pytest.approx(60.1757, abs=0.005)
    assert markers[0]["radius_m"] == 500 and markers[0]["place"] == "02100 Espoo"
    assert "m away" in page and "km away" in page
    assert 'name="view" id="view" value="map"' in page


def test_a_misspelling_offers_the_correction(client: Client, two_listings: Any) -> None:
    page = text(client.get("/listings/?q=mineraalivila", headers={"Accept-Language": "en"}))
    assert 'href="/listings/?q=mineraalivilla"' in page and "Did you mean" in page


def test_the_home_page_shows_the_newest(client: Client, two_listings: Any) -> None:
    assert "Mineraalivilla 50 mm" in text(client.get("/"))


BAD_ARGUMENTS = [
    "q=" + "tiili " * 300,
    "q=*",
    "q=tii*&page=2",
    'q="unclosed AND (OR NOT',
    "q=%E2%80%8B%F0%9F%A7%B1",
    "q=title:tiili^5~2",
    "unknown=1&color=red",
    "radius_km=5",
    "near=91,0&radius_km=5",
    "near=60.2,200",
    "near=nan,inf",
    "near=60.2",
    "near=a,b,c",
    "radius_km=-3&near=60.2,24.7",
    "radius_km=1e308&near=60.2,24.7",
    "page=0",
    "page=-1",
    "page=abc",
    "page=99999999999999999999",
    "page=1000",
    "per_page=100000",
    "min_price=-5",
    "min_price=1e9",
    "max_price=abc",
    "min_price=50&max_price=10",
    "sort=nearest",
    "sort=cheapest",
    "free=maybe",
    "kind=material&kind=pirate",
    "category=../../etc",
    "category=" + "a" * 500,
    "organisation=-1",
    "organisation=99999999999",
    "condition=broken",
    "postal_code=abc",
    "postal_code=00000&radius_km=2",
    "view=map&near=60.2,24.7&sort=nearest&page=500",
]


@pytest.mark.parametrize("arguments", BAD_ARGUMENTS)
def test_bad_input_gets_a_page_or_a_clear_message(
    client: Client, two_listings: Any, arguments: str
) -> None:
    page = client.get(f"/listings/?{arguments}")
    assert page.status_code == 200
    api = client.get(f"/api/v1/listings?{arguments}")
    assert api.status_code in (200, 422)
    if api.status_code == 422:
        body = api.get_json()
        assert api.mimetype == "application/problem+json" and body["errors"]
        assert all(error["field"] and error["message"] for error in body["errors"])


def test_a_page_past_the_end_is_empty_with_the_total(
    client: Client, two_listings: Any, find: Callable[..., SearchPage]
) -> None:
    page = find(page=40)
    assert page.results == [] and page.total == 2
    assert "Page 40 of 1" in text(
        client.get("/listings/?page=40", headers={"Accept-Language": "en"})
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    words=st.text(max_size=300),
    extra=st.dictionaries(st.text(max_size=12), st.text(max_size=20), max_size=4),
)
def test_no_text_makes_search_fail(
    app: Flask,
    two_listings: Any,
    find: Callable[..., SearchPage],
    words: str,
    extra: dict[str, str],
) -> None:
    arguments = {key: value for key, value in extra.items() if "\x00" not in key + value}
    page = find(q=words.replace("\x00", ""), **{k: v for k, v in arguments.items() if k != "q"})
    assert page.total >= 0 and not page.unavailable
