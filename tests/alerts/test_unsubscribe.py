"""The unsubscribe link of alert e-mails: no sign-in, a GET that only shows a button, a POST
that unsubscribes, RFC 8058 one-click from mail clients, and forged links refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from marketplace.alerts import services, tokens
from marketplace.extensions import db
from marketplace.models import AlertFrequency, Listing, SavedSearch, User
from tests.conftest import CollectingHandler
from tests.support import Client, text
from tests.test_security import database_fingerprint

SEARCH = {"q": "tiiliä", "postal_code": "02650", "radius_km": "10"}


@pytest.fixture
def saved(app: Flask, resident: User) -> SavedSearch:
    return services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.INSTANT)


def link(saved: SavedSearch) -> str:
    return f"/saved-searches/unsubscribe/{tokens.make(saved)}"


def by_email(saved: SavedSearch) -> bool:
    db.session.rollback()
    found = db.session.get(SavedSearch, saved.id)
    assert found is not None
    return found.by_email


def test_the_link_opens_a_page_and_changes_nothing(client: Client, saved: SavedSearch) -> None:
    before = database_fingerprint()
    page = client.get(link(saved), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert f'action="{link(saved)}"' in text(page) and "Tiiliä" in text(page)
    assert database_fingerprint() == before and by_email(saved)


def test_the_button_unsubscribes_without_signing_in(client: Client, saved: SavedSearch) -> None:
    response = client.post(link(saved), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "you will no longer get e-mails" in text(response)
    assert not by_email(saved)
    assert client.post(link(saved)).status_code == 200  # twice is fine


def test_one_click_unsubscribe_from_a_mail_client(client: Client, saved: SavedSearch) -> None:
    response = client.post(link(saved), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not by_email(saved)


def test_forged_and_tampered_links_are_refused(client: Client, saved: SavedSearch) -> None:
    token = tokens.make(saved)
    payload, signature = token.rsplit(".", 1)
    tampered = f"{payload}.{signature[:-2]}xx"
    other = f"/saved-searches/unsubscribe/{tampered}"
    assert client.get(other).status_code == 404
    assert client.post(other, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.get("/saved-searches/unsubscribe/not-a-token").status_code == 404
    assert by_email(saved)


def test_a_deleted_search_has_nothing_to_stop(client: Client, saved: SavedSearch) -> None:
    url = link(saved)
    db.session.delete(saved)
    db.session.commit()
    page = client.get(url, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "no longer exists" in text(page)
    assert client.post(url).status_code == 200


@pytest.mark.search
def test_the_e_mails_link_works_end_to_end(
    smtp_server: CollectingHandler,
    client: Client,
    saved: SavedSearch,
    offer: Callable[..., Listing],
) -> None:
    offer()
    [message] = smtp_server.messages
    url = message["List-Unsubscribe"].strip("<>")
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not by_email(saved)
    offer(title="Tiilet, toinen lava")
    assert len(smtp_server.messages) == 1  # the next alert stays in the app
