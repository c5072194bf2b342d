"""The public impact page and the method, an organisation member exporting its handovers as
CSV, and a resident saving a search: accessible, and no wider than a phone."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from marketplace.impact.exports import BOM
from tests.browser.conftest import assert_accessible
from tests.browser.test_listing_journey import sign_in
from tests.impact.conftest import Handovers, handovers  # noqa: F401  (the fixture)


def assert_fits(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


def test_public_impact_page(page: Page, handovers: Handovers) -> None:  # noqa: F811
    page.goto("/impact/")
    expect(page.locator("h1")).to_have_text("Circular impact")
    expect(page.locator(".impact-totals")).to_contain_text("197 kg")
    expect(page.locator(".impact-unknown")).to_contain_text("never counted as zero")
    expect(page.locator("figure.chart svg").first).to_be_visible()
    expect(page.locator("#areas-table-caption")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    page.locator("main a[href='/impact/method']").first.click()
    expect(page.locator("#unknowns")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    page.goto("/open-data/")
    expect(page.locator("#listings")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_an_organisation_exports_its_handovers(
    page: Page,
    handovers: Handovers,  # noqa: F811
    tmp_path: Path,
) -> None:
    sign_in(page, "member@example.fi")
    page.goto("/impact/")
    page.locator(f"a[href='/impact/organisations/{handovers.organisation.id}']").click()
    expect(page.locator("h1")).to_contain_text("Rakennus Kera Oy")
    assert_accessible(page)
    assert_fits(page)
    with page.expect_download() as download:
        page.locator(".export-form button[type=submit]").first.click()
    saved = tmp_path / "handovers.csv"
    download.value.save_as(saved)
    body = saved.read_text(encoding="utf-8")
    assert body.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(body.removeprefix(BOM))))
    assert {row["category"] for row in rows} == {"common-bricks", "sit-stand-desks"}
    # A reversed period is explained, not a crash.
    page.locator("#export-from").fill("2026-12-31")
    page.locator("#export-to").fill("2026-01-01")
    page.locator(".export-form button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("The start date is after the end date.")
    assert_accessible(page)


@pytest.mark.search
@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_a_resident_saves_a_search(page: Page, make_user: Any) -> None:
    make_user(email="laura@example.fi", name="Laura")
    sign_in(page, "laura@example.fi")
    page.goto("/listings/")
    page.locator("#q").fill("tiiliä")
    expect(page).to_have_url(re.compile(r"q=tiili%C3%A4"))  # htmx keeps the address current
    page.locator("form[data-save-search] button").click()
    expect(page.locator("main")).to_contain_text("“tiiliä”")
    assert_accessible(page)
    assert_fits(page)
    page.locator("label[for='frequency-0']").click()
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".saved-search-list")).to_contain_text("tiiliä")
    assert_accessible(page)
    assert_fits(page)
