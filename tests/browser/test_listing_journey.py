"""On a phone: a contractor's site manager lists 40 m² of mineral wool with three photos in
the Finnish UI, edits it in Swedish, pauses and republishes it in English; a resident asks for
bricks from a new place. Both read right on the browse and detail pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marketplace.models import Category
from tests.browser.conftest import assert_accessible
from tests.support import PASSWORD, jpeg


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("details.account-menu")).to_be_visible()


def sign_out(page: Page) -> None:
    page.locator("details.account-menu summary").click()
    page.locator("form[action='/logout'] button").click()


def switch_language(page: Page, code: str) -> None:
    page.locator(f".language-switcher button[value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def photo_files(folder: Path, count: int) -> list[str]:
    paths = []
    for number in range(count):
        path = folder / f"photo-{number}.jpg"
        path.write_bytes(jpeg(1200, 900, (200 - 40 * number, 180, 60 + 50 * number)))
        paths.append(str(path))
    return paths


@pytest.mark.search
@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_a_site_manager_and_a_resident_list_things(
    page: Page,
    tmp_path: Path,
    make_user: Any,
    make_organisation: Any,
    make_site: Any,
    category: Any,
) -> None:
    owner = make_user(email="owner@example.fi")
    mikko = make_user(email="mikko@example.fi", name="Mikko Virtanen")
    contractor = make_organisation(owner, name="Rakennus Kera Oy", members=(mikko,))
    make_site(owner, contractor)
    make_user(email="laura@example.fi", name="Laura Korhonen")
    wool: Category = category("mineral-wool")
    bricks: Category = category("common-bricks")

    sign_in(page, "mikko@example.fi")
    switch_language(page, "fi")
    page.locator("nav a[href='/listings/new']").click()
    assert_accessible(page)
    page.locator("a[href='/listings/new?kind=material']").click()
    assert_accessible(page)
    first, second, third = photo_files(tmp_path, 3)
    page.locator("#camera_photos").set_input_files(first)
    page.locator("#photos").set_input_files([second, third])
    page.locator("#title").fill("Mineraalivilla 50 mm, 40 m²")
    page.locator("#category_id").select_option(str(wool.id))
    expect(page.locator("#unit")).to_have_value("m2")  # suggested by the category
    page.locator("#quantity").fill("40")
    page.locator("#condition").select_option("new_surplus")
    page.locator("#pickup_instructions").fill("Arkisin 7–15, soita työnjohtajalle portilta.")
    page.locator("#description").fill("Avaamattomia paketteja.")
    page.locator("button[name=action][value=publish]").click()

    expect(page.locator("h1")).to_have_text("Mineraalivilla 50 mm, 40 m²")
    expect(page.locator(".gallery img")).to_have_count(3)
    expect(page.locator(".listing-price")).to_be_visible()
    assert_accessible(page)
    listing_url = page.url

    switch_language(page, "sv")
    page.locator(".owner-actions a[href$='/edit']").click()
    expect(page.locator("#quantity")).to_have_value("40")
    page.locator("#quantity").fill("35")
    page.locator("#title").fill("Mineralull 50 mm, 35 m²")
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Mineralull 50 mm, 35 m²")
    expect(page.locator(".facts").first).to_contain_text("35 m²")

    switch_language(page, "en")
    page.locator(".owner-actions form[action$='/pause'] button").click()
    expect(page.locator(".owner-actions .badge")).to_have_text("Paused")
    page.goto("/listings/")
    expect(page.get_by_text("Mineralull 50 mm, 35 m²")).to_have_count(0)
    page.goto(listing_url)
    page.locator(".owner-actions form[action$='/publish'] button").click()
    expect(page.locator(".owner-actions .badge")).to_have_text("Published")
    page.goto("/listings/")
    expect(page.locator(".listing-card").filter(has_text="Mineralull 50 mm, 35 m²")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "laura@example.fi")
    page.goto("/listings/new?kind=wanted")
    page.locator("#title").fill("Looking for old bricks for a garden wall")
    page.locator("#category_id").select_option(str(bricks.id))
    page.locator("#quantity").fill("200")
    page.locator("#site_id").select_option("new")
    expect(page.locator("#place-name")).to_be_visible()
    page.locator("#place-name").fill("Home")
    page.locator("#place-address").fill("Tapionraitti 12")
    page.locator("#place-postal_code").fill("02100")
    page.locator("[data-new-place] [data-map-picker]").click(position={"x": 150, "y": 120})
    expect(page.locator("#place-latitude")).not_to_have_value("")
    assert_accessible(page)
    page.locator("button[name=action][value=publish]").click()
    expect(page.locator("h1")).to_have_text("Looking for old bricks for a garden wall")
    expect(page.locator(".eyebrow")).to_contain_text("Wanted")
    page.goto("/listings/?kind=wanted")
    card = page.locator(".listing-card").filter(has_text="Looking for old bricks")
    expect(card).to_be_visible()
    card.locator("a").click()
    expect(page).to_have_url(re.compile(r"/listings/\d+$"))
    assert_accessible(page)
