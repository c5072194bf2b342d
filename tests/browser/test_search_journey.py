"""A resident searches as they type in Finnish, narrows by category, looks at the map and opens
a result; the address bar follows every step, and each state passes axe on phone and desktop."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marketplace.models import Unit
from marketplace.sites.services import SiteDetails
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.search

TAPIOLA = SiteDetails("Koti, Tapiola", "Tapionraitti 12", "02100", "Espoo", 60.1757, 24.8049)


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_search_as_you_type_filter_map_and_open(
    page: Page, make_user: Any, make_site: Any, make_listing: Any, category: Any
) -> None:
    owner = make_user()
    home = make_site(owner, None, TAPIOLA)
    make_listing(owner=owner, title="Punatiilet lavalla, 500 kpl", photos=1)
    make_listing(
        owner=owner,
        site=home,
        title="Savikattotiilet 200 kpl",
        category_id=category("clay-roof-tiles").id,
    )
    make_listing(owner=owner, title="Tiilikuvioinen matto", category_id=category("carpets").id)
    make_listing(
        owner=owner,
        title="Mineraalivilla 50 mm",
        category_id=category("mineral-wool").id,
        unit=Unit.M2,
        quantity=Decimal(40),
    )

    page.goto("/listings/")
    expect(page.locator("#result-count")).to_contain_text("4 listings")
    assert_accessible(page)

    page.locator("#q").press_sequentially("tiiliä", delay=40)
    expect(page).to_have_url(re.compile(r"q=tiili%C3%A4"))
    expect(page.locator("#result-count")).to_contain_text("3 listings")
    expect(page.locator(".listing-card")).to_have_count(3)
    expect(page.locator("#q")).to_be_focused()  # typing was never interrupted
    expect(page.locator("#category option[value='bricks-ceramics']")).to_contain_text("(2)")

    page.locator("#category").select_option("bricks-ceramics")
    expect(page).to_have_url(re.compile(r"category=bricks-ceramics"))
    expect(page.locator("#result-count")).to_contain_text("2 listings")
    expect(page.locator(".listing-card").filter(has_text="matto")).to_have_count(0)
    assert_accessible(page)
    assert fits_the_screen(page)

    page.locator(".view-switch a", has_text="Map").click()
    expect(page).to_have_url(re.compile(r"view=map"))
    expect(page.locator("#search-map")).to_be_visible()
    # Organisations' places are pins; a resident's home is drawn as an area.
    markers = page.locator("#search-map .leaflet-marker-icon, #search-map path.leaflet-interactive")
    expect(markers).to_have_count(2)
    assert_accessible(page)
    assert fits_the_screen(page)

    # Changing the search keeps the map, and the URL says so.
    page.locator("#q").fill("savikattotiili")
    expect(page).to_have_url(re.compile(r"q=savikattotiili.*view=map"))
    expect(markers).to_have_count(1)
    markers.first.click()
    popup_link = page.locator(".leaflet-popup-content a", has_text="Savikattotiilet 200 kpl")
    expect(popup_link).to_be_visible()
    popup_link.click()
    expect(page).to_have_url(re.compile(r"/listings/\d+$"))
    expect(page.locator("h1")).to_have_text("Savikattotiilet 200 kpl")

    # Back to the search: the shared address restores the same search.
    page.go_back()
    expect(page.locator("#q")).to_have_value("savikattotiili")
    expect(page.locator("#result-count")).to_contain_text("1 listing")
