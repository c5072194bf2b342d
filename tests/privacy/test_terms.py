"""The terms of use are accepted at registration, their version is recorded, and a new
version is asked for on the next page, without losing what the person was doing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.auth import services as auth_services
from marketplace.extensions import db
from marketplace.models import AuditEvent, Language, User
from tests.support import CSRF_FIELD, PASSWORD, Client, text

EN = {"Accept-Language": "en"}
REGISTRATION = {
    "email": "uusi@example.fi",
    "display_name": "Uusi Asukas",
    "password": PASSWORD,
    "password_again": PASSWORD,
    "locale": "en",
}
NEW_VERSION = "2027-06"


def send(browser: Client, url: str, data: dict[str, str], **kwargs: Any) -> Any:
    """A form sent while the terms wait: the token comes from a page that never waits (the
    client's own `submit` reads it from a page that now would)."""
    token = CSRF_FIELD.search(text(browser.get("/terms")))
    assert token
    return browser.post(url, data={"csrf_token": token.group(1), **data}, **kwargs)


def asked_for(answer: Any) -> str:
    """Where the acceptance page will lead, from its address."""
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/terms/accept"
    return parse_qs(location.query)["next"][0]


def fresh(user: User) -> User:
    db.session.expire_all()
    found = db.session.get(User, user.id)
    assert found is not None
    return found


def test_registration_needs_the_terms_accepted(app: Flask, client: Client) -> None:
    page = text(client.get("/register", headers=EN))
    assert 'name="accept_terms"' in page
    assert 'href="/terms"' in page and 'href="/privacy"' in page

    refused = client.submit("/register", REGISTRATION, headers=EN)
    assert refused.status_code == 422
    assert "Accept the terms of use to create an account." in text(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_registration_records_the_version_accepted(app: Flask, client: Client) -> None:
    answer = client.submit("/register", {**REGISTRATION, "accept_terms": "y"}, headers=EN)
    assert answer.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user is not None
    assert user.terms_version == app.config["TERMS_VERSION"]
    assert user.terms_accepted_at is not None
    # Nothing more to accept: the pages open at once.
    assert client.get("/account").status_code == 200


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(email="laura@example.fi", name="Laura")


@pytest.fixture
def new_terms(app: Flask) -> str:
    app.config["TERMS_VERSION"] = NEW_VERSION
    return NEW_VERSION


def test_a_new_version_is_asked_for_and_the_page_asked_for_follows(
    app: Flask, resident: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(resident)
    accepted_before = fresh(resident).terms_accepted_at
    app.config["TERMS_VERSION"] = NEW_VERSION

    asked = browser.get("/listings/mine?status=active", headers=EN)
    assert asked_for(asked) == "/listings/mine?status=active"
    page = text(browser.get(asked.headers["Location"], headers=EN))
    assert "The terms of use have changed (version 2027-06)" in page

    going = "/listings/mine?status=active"
    unticked = send(browser, "/terms/accept", {"next": going}, headers=EN)
    assert unticked.status_code == 422
    assert fresh(resident).terms_version != NEW_VERSION

    accepted = send(
        browser, "/terms/accept", {"accept": "y", "next": "/listings/mine?status=active"}
    )
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == "/listings/mine?status=active"
    user = fresh(resident)
    assert user.terms_version == NEW_VERSION
    assert user.terms_accepted_at is not None and accepted_before is not None
    assert user.terms_accepted_at > accepted_before
    assert browser.get("/listings/mine?status=active").status_code == 200
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == resident.id)
    ).all()
    assert "user.terms_accepted" in actions


def test_a_form_sent_as_the_version_changes_still_goes_through(
    app: Flask, resident: User, signed_in: Callable[[User], Client], new_terms: str
) -> None:
    browser = signed_in(resident)
    saved = send(browser, "/account", {"display_name": "Laura K.", "locale": "en"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/account"
    assert fresh(resident).display_name == "Laura K."
    # The page it leads to asks, and comes back to it afterwards.
    assert asked_for(browser.get(saved.headers["Location"])) == "/account"


@pytest.mark.parametrize(
    "path", ["/privacy", "/terms", "/account/data.json", "/account/delete", "/accessibility"]
)
def test_reading_the_terms_and_using_data_rights_never_wait(
    app: Flask,
    resident: User,
    signed_in: Callable[[User], Client],
    new_terms: str,
    path: str,
) -> None:
    browser = signed_in(resident)
    if path == "/accessibility":  # an ordinary page, for contrast
        assert browser.get(path).status_code == 302
    else:
        assert browser.get(path).status_code == 200


def test_fragments_and_signing_out_are_not_interrupted(
    app: Flask, resident: User, signed_in: Callable[[User], Client], new_terms: str
) -> None:
    browser = signed_in(resident)
    # htmx swaps a fragment into the page: an acceptance page there would make no sense.
    fragment = browser.get("/accessibility", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    signed_out = send(browser, "/logout", {})
    assert signed_out.status_code == 302 and signed_out.headers["Location"] == "/"


def test_accounts_older_than_the_terms_are_asked_too(
    app: Flask, signed_in: Callable[[User], Client]
) -> None:
    made_by_operator = auth_services.create_user("ops@example.fi", "Ops", PASSWORD, Language.EN)
    assert made_by_operator.terms_version is None
    browser = signed_in(made_by_operator)
    asked = browser.get("/", headers=EN)
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/terms/accept")
    page = text(browser.get(asked.headers["Location"], headers=EN))
    assert "Before you go on, read and accept the terms of use" in page


def test_the_acceptance_page_leads_only_within_the_site(
    app: Flask, resident: User, signed_in: Callable[[User], Client], new_terms: str
) -> None:
    browser = signed_in(resident)
    answer = send(browser, "/terms/accept", {"accept": "y", "next": "https://evil.example/"})
    assert answer.headers["Location"] == "/"


def test_signed_out_visitors_are_not_asked(app: Flask, client: Client, new_terms: str) -> None:
    assert client.get("/").status_code == 200
    answer: Any = client.get("/terms/accept")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
