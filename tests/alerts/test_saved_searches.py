"""Saving a search from the search page, and managing saved searches."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.alerts import services
from marketplace.extensions import db
from marketplace.models import AlertFrequency, SavedSearch, User
from tests.support import Client, text

SEARCH = {"q": "tiiliä", "postal_code": "02650", "radius_km": "10"}


def saved_of(email: str) -> list[SavedSearch]:
    db.session.rollback()
    return list(
        db.session.scalars(sa.select(SavedSearch).join(SavedSearch.user).where(User.email == email))
    )


@pytest.mark.search
def test_the_search_page_offers_to_save_the_search(client: Client, app: Flask) -> None:
    page = text(client.get("/listings/?" + urlencode(SEARCH), headers={"Accept-Language": "en"}))
    assert 'action="/saved-searches/new"' in page and "Save this search" in page
    for name, value in SEARCH.items():
        assert f'name="{name}" value="{value}"' in page


def test_saving_needs_an_account(client: Client, app: Flask) -> None:
    response = client.get("/saved-searches/new?" + urlencode(SEARCH))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] and "next=" in response.headers["Location"]


def test_save_a_search(client: Client, resident: User) -> None:
    client.sign_in("resident@example.fi")
    form = client.get("/saved-searches/new?" + urlencode(SEARCH) + "&radius_km=999&page=3")
    page = text(form)
    assert form.status_code == 200
    assert "“tiiliä”" in page and "02650 Kera" in page  # what is being saved, in words
    response = client.submit(
        "/saved-searches/new",
        {"query": urlencode(SEARCH), "name": "Tiiliä", "frequency": "instant", "by_email": "y"},
    )
    assert response.status_code == 302
    [saved] = saved_of("resident@example.fi")
    assert saved.query == SEARCH
    assert (saved.name, saved.frequency, saved.by_email) == ("Tiiliä", "instant", True)
    listing = text(client.get("/saved-searches/"))
    assert "Tiiliä" in listing and "/listings/?q=" in listing


def test_unusable_search_values_are_dropped(resident: User) -> None:
    args = {**SEARCH, "radius_km": "999", "sort": "price", "page": "4", "bogus": "1"}
    assert services.canonical_query(args) == {"q": "tiiliä", "postal_code": "02650"}


def test_edit_and_delete(client: Client, resident: User) -> None:
    saved = services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.DAILY)
    client.sign_in("resident@example.fi")
    assert client.get(f"/saved-searches/{saved.id}/edit").status_code == 200
    response = client.submit(
        f"/saved-searches/{saved.id}/edit", {"name": "Tiilet", "frequency": "weekly"}
    )
    assert response.status_code == 302
    [changed] = saved_of("resident@example.fi")
    assert (changed.name, changed.frequency, changed.by_email) == ("Tiilet", "weekly", False)
    bad = client.submit(f"/saved-searches/{saved.id}/edit", {"name": "", "frequency": "hourly"})
    assert bad.status_code == 422
    assert client.submit(f"/saved-searches/{saved.id}/delete").status_code == 302
    assert saved_of("resident@example.fi") == []


def test_others_saved_searches_are_not_found(
    client: Client, resident: User, make_user: Callable[..., User]
) -> None:
    saved = services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.DAILY)
    make_user(email="other@example.fi")
    client.sign_in("other@example.fi")
    assert client.get(f"/saved-searches/{saved.id}/edit").status_code == 404
    assert client.submit(f"/saved-searches/{saved.id}/delete").status_code == 404
    assert "Tiiliä" not in text(client.get("/saved-searches/"))
    assert len(saved_of("resident@example.fi")) == 1


def test_a_user_keeps_a_bounded_number(client: Client, app: Flask, resident: User) -> None:
    app.config["ALERTS_MAX_PER_USER"] = 1
    services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.DAILY)
    client.sign_in("resident@example.fi")
    response = client.submit(
        "/saved-searches/new", {"query": "q=ovi", "name": "Ovet", "frequency": "daily"}
    )
    assert response.status_code == 422
    assert "at most 1 saved searches" in text(response)
