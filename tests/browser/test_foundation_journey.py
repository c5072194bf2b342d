"""A newcomer's first visit: register, sign in, create an organisation, add a member and a
site, read it all in Swedish and Finnish, sign out. On a phone and on a desktop."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.support import business_id

PASSWORD = "my own long password"


def open_menu(page: Page) -> None:
    menu = page.locator("details.account-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()


def open_menu_item(page: Page, name: str) -> None:
    open_menu(page)
    page.get_by_role("link", name=name).first.click()


def sign_out(page: Page, label: str = "Sign out") -> None:
    open_menu(page)
    page.get_by_role("button", name=label).click()


def test_newcomer_sets_up_an_organisation(page: Page, make_user: Any, device: str) -> None:
    make_user(email="aino@example.fi", name="Aino Lehtonen")
    organisation_id = business_id()

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("second life")
    assert_accessible(page)

    page.get_by_role("link", name="Register").first.click()
    assert_accessible(page)
    page.get_by_label("E-mail address").fill("mikko@example.fi")
    page.get_by_label("Name shown to others").fill("Mikko Virtanen")
    page.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
    page.get_by_label("Password again").fill("not the same at all")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("The passwords do not match.")).to_be_visible()
    expect(page.get_by_text("Accept the terms of use to create an account.")).to_be_visible()
    expect(page.get_by_label("E-mail address")).to_have_value("mikko@example.fi")
    assert_accessible(page)
    page.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I accept the terms of use").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome to Kera Marketplace")

    sign_out(page)
    expect(page.get_by_role("status")).to_contain_text("signed out")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("E-mail address").fill("mikko@example.fi")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome back, Mikko Virtanen")

    open_menu_item(page, "Organisations")
    assert_accessible(page)
    page.get_by_role("link", name="Create an organisation").first.click()
    page.get_by_label("Name").fill("Rakennus Kera Oy")
    page.get_by_label("Kind of organisation").select_option("contractor")
    page.get_by_label("Business ID (Y-tunnus)").fill("1234567-8")
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_text("check digit")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Business ID (Y-tunnus)").fill(organisation_id)
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rakennus Kera Oy")
    assert_accessible(page)

    page.get_by_label("E-mail address of the person to add").fill("aino@example.fi")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator(".member-list").get_by_text("Aino Lehtonen", exact=True)).to_be_visible()

    page.get_by_role("link", name="Add a site").click()
    expect(page.locator("[data-map-picker]")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("Kera, kortteli 3 työmaa")
    page.get_by_label("Street address").fill("Keranportti 3")
    page.get_by_label("Postal code").fill("02650")
    if device == "desktop":
        page.locator("[data-map-picker]").click(position={"x": 200, "y": 150})
        expect(page.get_by_label("Latitude")).not_to_have_value("")
    else:
        page.get_by_label("Latitude").fill("60,2172")
        page.get_by_label("Longitude").fill("24,7535")
    page.get_by_role("button", name="Save site").click()
    expect(page.get_by_role("heading", name="Kera, kortteli 3 työmaa")).to_be_visible()

    page.get_by_role("button", name="Svenska").click()
    expect(page.get_by_role("heading", name="Medlemmar")).to_be_visible()
    open_menu(page)
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    page.locator("details.account-menu summary").click()  # an open menu covers the page
    assert_accessible(page)
    page.get_by_role("button", name="Suomi").click()
    expect(page.get_by_role("heading", name="Jäsenet")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "fi"
    assert_accessible(page)

    sign_out(page, "Kirjaudu ulos")
    expect(page.get_by_role("link", name="Kirjaudu sisään").first).to_be_visible()
    page.goto("/organisations/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
