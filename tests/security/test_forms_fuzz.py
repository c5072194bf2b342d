"""Arbitrary text and numbers into every form people fill in and into the inventory API:
never a 500, and nothing half-written (issue 15, items 5 and 6).

Hypothesis runs many examples inside one test function, so the function-scoped fixtures (the
app, its database, the signed-in client) are shared by all of a test's examples. That is
sound here because no example depends on what an earlier one left: each compares counts
before and after its own request, uses fresh unique data where a success would collide (an
e-mail address, an external id, a saved-search owner), and checks invariants that hold
whatever earlier examples did.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from marketplace.core.clock import today_in_finland
from marketplace.core.inputs import text_problem
from marketplace.extensions import db
from marketplace.models import (
    OCCUPYING,
    Listing,
    ListingPhoto,
    PartnerItem,
    Reservation,
    SavedSearch,
    Site,
    User,
)
from marketplace.reservations import queries
from tests.listings.conftest import form_data
from tests.partners.fixtures import Api, PartnerHandle, rental_item, sale_item
from tests.support import PASSWORD, Client, jpeg

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REFUSED = {400, 413, 422}
# Characters that break screens, mail or databases, and a few that are fine.
NASTY = (
    "\x00\r\n\t\x07\x1b\x7f\x85\u202a\u202e\u2066\u2069\u200b\u200c\u200d\u2060\ufeff\u00ad"
    "\u2028\u3164ä€ "
)
HUGE = "1" + "0" * 30

texts = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=3, max_size=30),
    st.text(alphabet=NASTY + "abc", max_size=20),
    st.builds(
        str.__add__,
        st.text(alphabet="Tiili lava", min_size=3, max_size=12),
        st.text(NASTY, min_size=1, max_size=3),
    ),
    st.sampled_from(["x" * 121, "y" * 501, "z" * 2001, "w" * 5001]),
)
numbers = st.one_of(
    st.sampled_from(
        [
            "1e30",
            "1E+30",
            "NaN",
            "-Infinity",
            "inf",
            HUGE,
            "-" + HUGE,
            "0,0001",
            "12,345",
            "-0",
            "0x10",
            "١٢",
            "²",
            "1_000",
            " 12 ",
            "",
            "5",
            "40",
            "0,5",
            "1 200,5",
            "9" * 5000,
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=0, max_value=1000, places=2).map(str),
    st.integers(1, 50).map(str),
    st.floats().map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.text(alphabet="0123456789,.-+eE ", max_size=20),
)
json_numbers = st.one_of(
    numbers,
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=False),
    st.none(),
    st.booleans(),
)


def some_of(fields: dict[str, Any], most: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """At most `most` of the fields changed: changing all at once would nearly always be
    refused for one of them, and the successes need testing too."""
    one = st.sampled_from(sorted(fields)).flatmap(
        lambda name: fields[name].map(lambda value: {name: value})
    )
    return st.lists(one, max_size=most).map(
        lambda changes: {name: value for change in changes for name, value in change.items()}
    )


def rows(model: type[Any]) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def post(client: Client, url: str, token: str, data: dict[str, Any]) -> TestResponse:
    response = client.post(url, data={"csrf_token": token, **data})
    assert response.status_code < 500
    event(f"answered {response.status_code}")
    return response


def stored_text_is_safe(*values: str) -> bool:
    return all(text_problem(value, multiline=True) is None for value in values)


@pytest.fixture
def lister(
    app: Flask, make_user: Callable[..., User], make_site: Callable[..., Site], client: Client
) -> tuple[User, Site, str]:
    user = make_user(email="lister@example.fi")
    site = make_site(user)
    client.sign_in("lister@example.fi")
    return user, site, client.csrf_token()


LISTING_FIELDS = {
    "title": texts,
    "description": texts,
    "pickup_instructions": texts,
    "hazard_notes": texts,
    "quantity": numbers,
    "mass_per_unit_kg": numbers,
    "price_euros": numbers,
    "week_price_euros": numbers,
    "deposit_euros": numbers,
    "min_rental_days": numbers,
    "free_cancellation_hours": numbers,
    "available_from": texts,
}
PLACE_FIELDS = {
    "place-name": texts,
    "place-address": texts,
    "place-postal_code": texts,
    "place-city": texts,
    "place-latitude": numbers,
    "place-longitude": numbers,
}


@FUZZ
@given(
    changes=some_of(LISTING_FIELDS),
    place=st.none() | some_of(PLACE_FIELDS),
    price_model=st.sampled_from(["free", "per_unit", "per_lot"]),
    photo=st.booleans(),
)
def test_the_listing_form_never_fails_and_never_half_writes(
    client: Client,
    lister: tuple[User, Site, str],
    category: Any,
    changes: dict[str, str],
    place: dict[str, str] | None,
    price_model: str,
    photo: bool,
) -> None:
    _, site, token = lister
    data = form_data(site, category("mineral-wool"), price_model=price_model, **changes)
    if place is not None:
        data.update({"site_id": "new", "place-name": "Koti", "place-address": "Tie 1"})
        data.update({"place-postal_code": "02100", "place-city": "Espoo"})
        data.update({"place-latitude": "60,17", "place-longitude": "24,8", **place})
    if photo:
        data["photos"] = [(io.BytesIO(jpeg(32, 32)), "a.jpg")]
    before = rows(Listing), rows(Site), rows(ListingPhoto)
    response = post(client, "/listings/new?kind=material", token, data)
    if response.status_code in REFUSED:
        assert (rows(Listing), rows(Site), rows(ListingPhoto)) == before
        return
    assert response.status_code == 302, response.status_code
    listing = db.session.scalar(sa.select(Listing).order_by(Listing.id.desc()).limit(1))
    assert listing is not None and listing.site is not None
    assert len(listing.photos) == (1 if photo else 0)
    assert stored_text_is_safe(listing.title, listing.description, listing.hazard_notes)
    assert "\r" not in listing.description and "\n" not in listing.title


@pytest.fixture
def rental(lister: tuple[User, Site, str], make_rental: Callable[..., Listing]) -> Listing:
    user, site, _ = lister
    return make_rental(user, site=site)


def snapshot(listing_id: int) -> tuple[Any, ...]:
    db.session.rollback()
    listing = db.session.get(Listing, listing_id)
    assert listing is not None
    return (
        listing.title,
        listing.description,
        listing.quantity_total,
        listing.quantity_available,
        listing.price_cents,
        listing.week_price_cents,
        listing.deposit_cents,
        listing.min_rental_days,
        listing.updated_at,
    )


@FUZZ
@given(changes=some_of(LISTING_FIELDS))
def test_the_edit_form_never_fails_and_never_half_writes(
    client: Client,
    lister: tuple[User, Site, str],
    rental: Listing,
    category: Any,
    changes: dict[str, str],
) -> None:
    _, site, token = lister
    data = {
        "title": "Julkisivuteline",
        "category_id": str(category("facade-scaffolding").id),
        "language": "fi",
        "condition": "good",
        "quantity": "3",
        "unit": "set",
        "price_model": "rental",
        "price_euros": "45",
        "week_price_euros": "180",
        "deposit_euros": "200",
        "min_rental_days": "2",
        "available_from": today_in_finland().isoformat(),
        "site_id": str(site.id),
        **changes,
    }
    before = snapshot(rental.id)
    response = post(client, f"/listings/{rental.id}/edit", token, data)
    if response.status_code in REFUSED:
        assert snapshot(rental.id) == before
        return
    assert response.status_code == 302, response.status_code
    title, description, *_ = snapshot(rental.id)
    assert stored_text_is_safe(title, description)


@pytest.fixture
def requester(
    app: Flask, make_user: Callable[..., User], make_listing: Any, make_rental: Any
) -> tuple[Client, str, Listing, Listing]:
    owner = make_user(email="owner@example.fi")
    bricks = make_listing(owner=owner)
    scaffolding = make_rental(owner)
    make_user(email="resident@example.fi")
    browser: Client = app.test_client()  # type: ignore[assignment]
    browser.sign_in("resident@example.fi")
    return browser, browser.csrf_token(), bricks, scaffolding


def stock_adds_up(listing_id: int) -> None:
    db.session.rollback()
    listing = db.session.get(Listing, listing_id)
    assert listing is not None
    held = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Reservation.quantity), 0)).where(
            Reservation.listing_id == listing_id, Reservation.status.in_(OCCUPYING)
        )
    )
    assert 0 <= listing.quantity_available == listing.quantity_total - Decimal(held or 0)


RESERVATION_FIELDS = {
    "quantity": numbers,
    "pickup_date": texts,
    "pickup_time": st.sampled_from(["25:61", "", "16.00", "x"]) | texts,
    "message": texts,
    "request_id": texts,
}


@FUZZ
@given(changes=some_of(RESERVATION_FIELDS))
def test_the_reservation_form_never_fails_and_keeps_the_stock(
    requester: tuple[Client, str, Listing, Listing], changes: dict[str, str]
) -> None:
    browser, token, bricks, _ = requester
    tomorrow = (today_in_finland() + timedelta(days=1)).isoformat()
    data = {"quantity": "5", "pickup_date": tomorrow, "pickup_time": "16:00", **changes}
    before = rows(Reservation), snapshot(bricks.id)
    response = post(browser, f"/reservations/new/{bricks.id}", token, data)
    if response.status_code in REFUSED:
        assert (rows(Reservation), snapshot(bricks.id)) == before
    else:
        assert response.status_code == 302, response.status_code
    stock_adds_up(bricks.id)


BOOKING_FIELDS = {
    "start": texts,
    "end": texts,
    "units": numbers,
    "message": texts,
    "request_id": texts,
}


@FUZZ
@given(start=st.integers(-3, 60), length=st.integers(-3, 40), changes=some_of(BOOKING_FIELDS))
def test_the_booking_form_never_fails_and_never_overbooks(
    requester: tuple[Client, str, Listing, Listing],
    start: int,
    length: int,
    changes: dict[str, str],
) -> None:
    browser, token, _, scaffolding = requester
    first = today_in_finland() + timedelta(days=start)
    data = {
        "start": first.isoformat(),
        "end": (first + timedelta(days=length)).isoformat(),
        "units": "1",
        **changes,
    }
    before = rows(Reservation)
    response = post(browser, f"/reservations/new/{scaffolding.id}", token, data)
    if response.status_code in REFUSED:
        assert rows(Reservation) == before
    else:
        assert response.status_code == 302, response.status_code
    days = queries.availability(scaffolding, today_in_finland(), 60)
    assert all(0 <= free <= 3 for _, free in days)


_numbers = count(1)


REGISTRATION_FIELDS = {
    "email": st.sampled_from(["", "x", "a@b", "a@b@c.fi"]) | texts,
    "display_name": texts,
    "password": st.sampled_from(["short", "x" * 200]) | texts,
    "password_again": texts,
    "locale": st.sampled_from(["xx", ""]) | texts,
}


@FUZZ
@given(changes=some_of(REGISTRATION_FIELDS))
def test_the_registration_form_never_fails_and_never_half_writes(
    app: Flask, changes: dict[str, str]
) -> None:
    browser: Client = app.test_client()  # type: ignore[assignment]
    data = {
        "email": f"person{next(_numbers)}@example.fi",
        "display_name": "Laura",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "locale": "fi",
        "accept_terms": "y",
        **changes,
    }
    if "password" in changes and "password_again" not in changes:
        data["password_again"] = changes["password"]
    before = rows(User)
    response = post(browser, "/register", browser.csrf_token(), data)
    if response.status_code in REFUSED:
        assert rows(User) == before
        return
    assert response.status_code == 302, response.status_code
    user = db.session.scalar(sa.select(User).order_by(User.id.desc()).limit(1))
    assert user is not None and stored_text_is_safe(user.display_name)
    assert "\n" not in user.display_name


SAVED_SEARCH_FIELDS = {
    "query": st.one_of(
        texts,
        st.dictionaries(
            st.sampled_from(["q", "category", "postal_code", "radius_km", "near", "min_price"]),
            st.one_of(texts, numbers),
            max_size=4,
        ).map(lambda args: "&".join(f"{k}={v}" for k, v in args.items())),
        st.sampled_from(["q=tiili%00", "q=%E2%80%AE", "q%00=x", "radius_km=1e308"]),
    ),
    "name": texts,
    "frequency": st.sampled_from(["hourly", ""]) | texts,
}


@FUZZ
@given(changes=some_of(SAVED_SEARCH_FIELDS))
def test_the_saved_search_form_never_fails_and_stores_only_clean_searches(
    app: Flask, make_user: Callable[..., User], changes: dict[str, str]
) -> None:
    # A fresh owner each time (a user may keep only so many saved searches), signing in from
    # an address of their own (sign-ins are rate limited per address).
    person = make_user()
    browser: Client = app.test_client()  # type: ignore[assignment]
    browser.environ_base["REMOTE_ADDR"] = f"10.0.0.{person.id % 250 + 1}"
    browser.sign_in(person.email)
    data = {"query": "q=tiiliä", "name": "Tiiliä", "frequency": "daily", **changes}
    before = rows(SavedSearch)
    response = post(browser, "/saved-searches/new", browser.csrf_token(), data)
    if response.status_code in REFUSED:
        assert rows(SavedSearch) == before
        return
    assert response.status_code == 302, response.status_code
    saved = db.session.scalar(sa.select(SavedSearch).where(SavedSearch.user_id == person.id))
    assert saved is not None and stored_text_is_safe(saved.name)
    assert all(stored_text_is_safe(str(k), str(v)) for k, v in saved.query.items())


ITEM_FIELDS = {
    "title": texts,
    "description": texts,
    "category": texts,
    "quantity": json_numbers,
    "unit": texts,
    "min_rental_days": json_numbers,
    "deposit": json_numbers,
    "available_from": texts,
    "price.amount": json_numbers,
    "location.lat": json_numbers,
    "location.name": texts,
    "attributes": st.dictionaries(texts, st.one_of(texts, json_numbers), max_size=3),
}
items = st.tuples(st.booleans(), some_of(ITEM_FIELDS, most=3))
_external_ids = count(1)


def build(spec: tuple[bool, dict[str, Any]]) -> dict[str, Any]:
    """A valid rental or sale item with some fields (dotted: inside an object) changed."""
    rental, changes = spec
    external_id = f"FUZZ-{next(_external_ids)}"
    item = rental_item(external_id) if rental else sale_item(external_id)
    item["location"] = dict(item["location"])
    item["price"] = copy.deepcopy(item["price"])
    for name, value in changes.items():
        parent, _, key = name.rpartition(".")
        if parent == "price":
            price = item["price"][0] if isinstance(item["price"], list) else item["price"]
            price[key] = value
        elif parent:
            item[parent][key] = value
        else:
            item[key] = value
    return item


def partner_rows() -> tuple[int, int]:
    return rows(Listing), rows(PartnerItem)


@FUZZ
@given(spec=items)
def test_the_inventory_api_never_fails_and_never_half_writes(
    api: Api, partner: PartnerHandle, spec: tuple[bool, dict[str, Any]]
) -> None:
    item = build(spec)
    before = partner_rows()
    response = api.put(f"/inventory/{item['external_id']}", partner.key, item)
    assert response.status_code < 500
    event(f"answered {response.status_code}")
    if response.status_code in REFUSED:
        assert response.mimetype == "application/problem+json"
        assert partner_rows() == before
        return
    assert response.status_code == 201, response.get_json()
    assert partner_rows() == (before[0] + 1, before[1] + 1)
    newest = db.session.scalar(sa.select(Listing).order_by(Listing.id.desc()).limit(1))
    assert newest is not None and stored_text_is_safe(newest.title, newest.description)


@FUZZ
@given(specs=st.lists(items, min_size=1, max_size=4))
def test_an_inventory_batch_applies_exactly_what_it_reports(
    api: Api, partner: PartnerHandle, specs: list[tuple[bool, dict[str, Any]]]
) -> None:
    batch = [build(spec) for spec in specs]
    before = partner_rows()
    response = api.post("/inventory/batch", partner.key, {"mode": "upsert", "items": batch})
    if response.status_code in REFUSED:  # the body as a whole (a NUL anywhere in it)
        assert partner_rows() == before
        return
    assert response.status_code == 200, response.get_json()
    counts = response.get_json()["counts"]
    event(f"created {counts['created']} of {len(batch)}")
    assert counts["created"] + counts["failed"] == len(batch)
    assert partner_rows() == (before[0] + counts["created"], before[1] + counts["created"])
