"""Through checkout against a fake Stripe on 127.0.0.1: a resident pays for bricks, the lister
sees the paid request and declines it, and both see the refund."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marketplace.core.clock import today_in_finland
from marketplace.models import PriceModel
from tests.browser.conftest import assert_accessible
from tests.browser.test_listing_journey import sign_in, sign_out
from tests.payments.fake_stripe import FakeStripe, running

SECRET = "whsec_browser_journey"


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    with running(SECRET) as fake:
        yield fake


@pytest.fixture
def app_config(app_config: dict[str, Any], stripe_fake: FakeStripe) -> dict[str, Any]:
    app_config.update(
        STRIPE_SECRET_KEY="sk_test_fake",
        STRIPE_WEBHOOK_SECRET=SECRET,
        STRIPE_API_BASE=stripe_fake.base,
        STRIPE_CHECKOUT_ORIGIN=stripe_fake.base,
    )
    return app_config


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_pay_decline_and_refund(
    page: Page, live_server: str, stripe_fake: FakeStripe, make_user: Any, make_listing: Any
) -> None:
    stripe_fake.webhook_url = f"{live_server}/payments/stripe/webhook"
    lister = make_user(email="mikko@example.fi", name="Mikko")
    make_user(email="laura@example.fi", name="Laura")
    bricks = make_listing(
        owner=lister, title="Kierrätystiilet", price_model=PriceModel.PER_UNIT, price_cents=40
    )

    sign_in(page, "laura@example.fi")
    page.goto(f"/listings/{bricks.id}")
    expect(page.get_by_text("You pay online by card when you reserve")).to_be_visible()
    page.locator("#quantity").fill("100")
    page.locator("#pickup_date").fill((today_in_finland() + timedelta(days=3)).isoformat())
    page.locator("#pickup_time").fill("10:00")
    page.locator(".reserve-form button[type=submit]").click()

    expect(page.get_by_role("heading", name="Test checkout")).to_be_visible()
    expect(page.get_by_text("Amount 40.00 EUR")).to_be_visible()
    page.get_by_role("button", name="Pay").click()

    expect(page.get_by_role("status")).to_contain_text("Your payment was received")
    expect(page.locator(".reservation .badge").first).to_have_text("Requested")
    expect(page.locator(".facts")).to_contain_text("Paid")
    assert_accessible(page)
    reservation_url = page.url
    sign_out(page)

    sign_in(page, "mikko@example.fi")
    page.goto(reservation_url)
    expect(page.locator(".facts")).to_contain_text("Paid")
    page.locator("summary").filter(has_text="Decline the request").click()
    page.locator("#decline-reason").fill("Myyty jo toiselle, pahoittelut!")
    page.locator("form[action$='/decline'] button").click()
    expect(page.locator(".reservation .badge").first).to_have_text("Declined")
    expect(page.locator(".facts")).to_contain_text("€40.00 refunded")
    sign_out(page)

    sign_in(page, "laura@example.fi")
    page.goto(reservation_url)
    expect(page.locator(".facts")).to_contain_text("Refunded")
    expect(page.get_by_text("Myyty jo toiselle, pahoittelut!")).to_be_visible()
    assert_accessible(page)
    assert [refund["amount"] for refund in stripe_fake.refunds] == [4000]
