"""Every console route of moderation, for every role: signed-out visitors are sent to sign
in, residents get 403, moderators and administrators are let in."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from marketplace.extensions import db
from marketplace.models import DecisionAction, Listing, User
from marketplace.moderation import complaints
from marketplace.reservations import materials, transitions
from marketplace.reservations.materials import MaterialRequest
from tests.moderation.conftest import Mail, decide, report
from tests.reservations.conftest import tomorrow_at
from tests.support import Client

# (method, path pattern, status for a moderator or an administrator with an empty form)
ROUTES = [
    ("GET", "/admin/moderation", 200),
    ("GET", "/admin/moderation/listing/{listing}", 200),
    ("POST", "/admin/moderation/listing/{listing}/decide", 422),
    ("POST", "/admin/moderation/listings/{listing}/approve", 302),
    ("GET", "/admin/complaints", 200),
    ("GET", "/admin/complaints/{complaint}", 200),
    ("POST", "/admin/complaints/{complaint}/handle", 422),
    ("GET", "/admin/transparency", 200),
    ("GET", "/admin/transparency.csv", 200),
]


@pytest.fixture
def world(
    app: Flask,
    bricks: Listing,
    lister: User,
    second_moderator: User,
    make_listing: Callable[..., Listing],
    mailbox: list[Mail],
) -> dict[str, int]:
    report(bricks)
    removed = make_listing(owner=lister)
    decision = decide(removed, second_moderator, DecisionAction.REMOVE_LISTING)
    complaint = complaints.file_complaint(decision.id, lister, "This is a mistake, truly.")
    return {"listing": bricks.id, "complaint": complaint.id}


def call(browser: Client, method: str, path: str) -> int:
    if method == "GET":
        return browser.get(path).status_code
    return browser.submit(path).status_code


@pytest.mark.parametrize(("method", "pattern", "allowed"), ROUTES)
def test_each_route_per_role(
    world: dict[str, int],
    client: Client,
    resident: User,
    moderator: User,
    administrator: User,
    signed_in: Callable[[User], Client],
    method: str,
    pattern: str,
    allowed: int,
) -> None:
    path = pattern.format(**world)
    if method == "GET":
        anonymous = client.get(path)
    else:
        anonymous = client.submit(path)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert call(signed_in(resident), method, path) == 403
    assert call(signed_in(moderator), method, path) == allowed
    assert call(signed_in(administrator), method, path) == allowed


def test_the_console_navigation_offers_the_sections(
    world: dict[str, int], moderator: User, signed_in: Callable[[User], Client]
) -> None:
    page = signed_in(moderator).get("/admin/moderation").get_data(as_text=True)
    for section in ("/admin/moderation", "/admin/complaints", "/admin/transparency"):
        assert f'href="{section}"' in page


def test_the_queue_shows_the_item_and_its_history(
    world: dict[str, int], moderator: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(moderator)
    queue_page = browser.get("/admin/moderation").get_data(as_text=True)
    assert f'href="/admin/moderation/listing/{world["listing"]}"' in queue_page
    item = browser.get(f"/admin/moderation/listing/{world['listing']}").get_data(as_text=True)
    assert 'id="item"' in item and "Punatiilet" in item
    assert 'id="history"' in item and "Kuvissa näkyy asbestia" in item
    assert 'id="decision-form"' in item


def test_every_kind_of_item_has_its_page(
    app: Flask,
    bricks: Listing,
    lister: User,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Any],
    moderator: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    requester = make_user(email="requester@example.fi", name="Requester")
    reservation = materials.reserve_material(
        requester, bricks, MaterialRequest(Decimal(5), tomorrow_at(), message="Hei!")
    )
    transitions.post_message(reservation, lister, "Tule heti tai älä ollenkaan.")
    db.session.commit()
    event = reservation.events[-1]
    organisation = make_organisation(lister)
    browser = signed_in(moderator)
    pages = {
        f"/admin/moderation/message/{event.id}": "Tule heti tai älä ollenkaan.",
        f"/admin/moderation/organisation/{organisation.id}": organisation.name,
        f"/admin/moderation/user/{requester.id}": "Requester",
    }
    for url, shown in pages.items():
        page = browser.get(url).get_data(as_text=True)
        assert shown in page, url
        assert 'value="remove_listing"' not in page  # only what fits the item is offered
    assert browser.get("/admin/moderation/listing/999999").status_code == 404
