"""A resident reserves 20 of the bricks and gets a pickup code; the lister accepts and
completes the handover with the code; a contractor books scaffolding for a week."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marketplace.core.clock import today_in_finland
from tests.browser.conftest import assert_accessible
from tests.browser.test_listing_journey import sign_in, sign_out


def open_menu_link(page: Page, href: str) -> None:
    page.locator("details.account-menu summary").click()
    page.locator(f"details.account-menu a[href='{href}']").click()


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_reserve_accept_and_hand_over(page: Page, make_user: Any, make_listing: Any) -> None:
    lister = make_user(email="mikko@example.fi", name="Mikko")
    make_user(email="laura@example.fi", name="Laura")
    bricks = make_listing(owner=lister, title="Punatiilet lavalla, 500 kpl")

    sign_in(page, "laura@example.fi")
    page.goto(f"/listings/{bricks.id}")
    assert_accessible(page)
    page.locator("#quantity").fill("20")
    tomorrow = today_in_finland() + timedelta(days=1)
    page.locator("#pickup_date").fill(tomorrow.isoformat())
    page.locator("#pickup_time").fill("16:00")
    page.locator("#message").fill("Could I come on Saturday morning?")
    page.locator(".reserve-form button[type=submit]").click()
    expect(page.get_by_text("Waiting for the lister to answer.")).to_be_visible()
    assert_accessible(page)
    reservation_url = page.url
    sign_out(page)

    sign_in(page, "mikko@example.fi")
    open_menu_link(page, "/reservations/requests")
    assert_accessible(page)
    page.locator(".reservation-list a").first.click()
    expect(page.get_by_text("Could I come on Saturday morning?")).to_be_visible()
    page.locator("form[action$='/accept'] button").click()
    expect(page.locator(".reservation .badge").first).to_have_text("Accepted")
    sign_out(page)

    sign_in(page, "laura@example.fi")
    page.goto(reservation_url)
    code = page.locator(".pickup-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    expect(page.locator("img.qr")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, "mikko@example.fi")
    page.goto(reservation_url)
    page.locator("#code").fill(code.lower())
    page.locator("form[action$='/handover'] button").click()
    expect(page.locator(".reservation .badge").first).to_have_text("Handed over")
    expect(page.locator(".facts")).to_contain_text("46 kg")
    assert_accessible(page)


@pytest.mark.parametrize("device", ["desktop"], indirect=True)
def test_a_contractor_books_scaffolding_for_a_week(
    page: Page, make_user: Any, make_rental: Any
) -> None:
    rental = make_user(email="jari@example.fi", name="Jari")
    make_user(email="aino@example.fi", name="Aino")
    scaffolding = make_rental(
        owner=rental,
        title="Julkisivuteline 100 m²",
        available_until=today_in_finland() + timedelta(days=90),
    )

    sign_in(page, "aino@example.fi")
    page.goto(f"/listings/{scaffolding.id}")
    expect(page.locator(".calendar li")).to_have_count(42)
    assert_accessible(page)
    today = today_in_finland()
    monday = today + timedelta(days=7 - today.weekday())
    page.locator("#start").fill(monday.isoformat())
    page.locator("#end").fill((monday + timedelta(days=4)).isoformat())
    page.locator("#units").fill("2")
    page.locator(".reserve-form button[type=submit]").click()
    expect(page.get_by_text("Waiting for the lister to answer.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("5 days")
    expect(page.locator(".facts")).to_contain_text("360")
    assert_accessible(page)
    page.goto(f"/listings/{scaffolding.id}")
    free = page.locator(".calendar li").filter(has_text=monday.strftime("%-d.%-m."))
    expect(free.first).to_contain_text("1 free")
