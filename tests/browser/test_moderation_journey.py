"""On a phone, in Finnish: a resident reports a listing; a moderator removes it with a
ground; the lister gets the statement of reasons by e-mail and in the app, and contests it;
a second moderator reverses the decision; the listing is back in search."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marketplace.mail import mailer
from marketplace.models import Language, Role
from tests.browser.conftest import assert_accessible
from tests.browser.test_listing_journey import sign_in, sign_out


@pytest.mark.search
@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_report_remove_contest_and_reverse(
    page: Page,
    live_server: str,
    make_user: Any,
    make_listing: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        mailer, "send", lambda to, subject, body, headers=None: sent.append((to, body))
    )
    lister = make_user(email="mikko@example.fi", name="Mikko", locale=Language.FI)
    make_user(email="raili@example.fi", name="Raili", locale=Language.FI)
    make_user(email="satu@example.fi", name="Satu", role=Role.MODERATOR, locale=Language.FI)
    make_user(email="kaisa@example.fi", name="Kaisa", role=Role.ADMIN, locale=Language.FI)
    listing = make_listing(owner=lister, title="Purkutiilet lavalla, 800 kpl")

    # A resident reports the listing from its page.
    sign_in(page, "raili@example.fi")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.goto(f"/listings/{listing.id}")
    page.locator(f"a[href='/moderation/report/listing/{listing.id}']").click()
    assert_accessible(page)
    expect(page.locator("#email")).to_have_value("raili@example.fi")
    expect(page.locator("#location")).to_have_value(re.compile(f"/listings/{listing.id}$"))
    page.locator("#reason").select_option("hazardous_undeclared")
    page.locator("#explanation").fill("Kuvissa näkyy aaltoilevaa asbestisementtilevyä.")
    page.locator("#good_faith").check()
    page.locator("#report-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"/listings/{listing.id}$"))
    assert any(to == "raili@example.fi" for to, _ in sent)  # the acknowledgement
    sign_out(page)

    # A moderator finds it in the queue and removes it, with a ground and the facts.
    sign_in(page, "satu@example.fi")
    page.goto("/admin/moderation")
    assert_accessible(page)
    page.locator(f"a[href='/admin/moderation/listing/{listing.id}']").click()
    expect(page.locator("#history")).to_contain_text("asbestisementtilevyä")
    assert_accessible(page)
    page.locator("#action").select_option("remove_listing")
    page.locator("#ground").select_option("terms-hazard-declaration")
    page.locator("#facts").fill("Ilmoituksen toisessa kuvassa näkyy asbestisementtilevyä.")
    page.locator("#decision-form button[type=submit]").click()
    expect(page).to_have_url(re.compile("/admin/moderation$"))
    sign_out(page)

    # The lister has the statement by e-mail and in the app, and contests the decision.
    statement_mail = next(body for to, body in sent if to == "mikko@example.fi")
    assert "Ilmoituksen toisessa kuvassa" in statement_mail
    assert re.search(r"/moderation/decisions/\d+\?token=", statement_mail)
    sign_in(page, "mikko@example.fi")
    page.goto("/notifications")
    page.locator(".notification-list a[href^='/moderation/decisions/']").first.click()
    expect(page.locator("#statement-facts")).to_contain_text("Ilmoituksen toisessa kuvassa")
    assert_accessible(page)
    page.locator("#text").fill("Levyt ovat kuitusementtiä ilman asbestia; kartoitus liitteenä.")
    page.locator("#complaint-form button[type=submit]").click()
    expect(page.locator("#complaint-status")).to_be_visible()
    sign_out(page)

    # Another moderator reverses the decision.
    sign_in(page, "kaisa@example.fi")
    page.goto("/admin/complaints")
    assert_accessible(page)
    page.locator("#waiting-complaints a[href^='/admin/complaints/']").first.click()
    assert_accessible(page)
    page.locator("input[name=outcome][value=reversed]").check()
    page.locator("#explanation").fill("Kartoituksen mukaan levyissä ei ole asbestia.")
    page.locator("#outcome-form button[type=submit]").click()
    expect(page).to_have_url(re.compile("/admin/complaints$"))
    sign_out(page)

    # The listing is back in search.
    page.goto("/listings/?q=purkutiilet")
    expect(page.locator(f"a[href='/listings/{listing.id}']").first).to_be_visible()
    assert sum(to == "mikko@example.fi" for to, _ in sent) == 2  # statement, then outcome
