"""Holds for review: demolition material and new accounts' listings wait for a moderator
before they first go public, as the operator set; approving publishes, refusing is a
decision with its statement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import utcnow
from marketplace.errors import Conflict, Forbidden
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.models import (
    DecisionAction,
    HazardStatus,
    Language,
    Listing,
    ListingStatus,
    Notification,
    User,
)
from marketplace.moderation import decisions, queue
from marketplace.search.documents import searchable
from tests.moderation.conftest import Mail, decide
from tests.support import Client, text

SURVEYED = {
    "demolition_material": True,
    "hazard_status": HazardStatus.DECLARED_CLEAN,
    "hazard_notes": "Haitta-ainekartoitus 2/2026",
}


def is_searchable(listing: Listing) -> bool:
    db.session.rollback()
    query = sa.select(Listing.id).where(Listing.id == listing.id, searchable())
    return db.session.scalar(query) is not None


def test_demolition_material_waits_for_review_and_is_approved(
    app: Flask,
    make_listing: Callable[..., Listing],
    lister: User,
    moderator: User,
    resident: User,
    mailbox: list[Mail],
) -> None:
    held = make_listing(owner=lister, **SURVEYED)
    assert held.status == ListingStatus.PENDING_REVIEW and held.published_at is None
    assert not is_searchable(held)
    assert queue.held_listings() == [held]
    with pytest.raises(Forbidden):
        decisions.approve_listing(held.id, resident)
    with pytest.raises(Conflict):
        listing_services.publish_listing(held, lister)  # not the lister's to release
    decisions.approve_listing(held.id, moderator)
    db.session.refresh(held)
    assert held.status == ListingStatus.ACTIVE and held.published_at is not None
    assert is_searchable(held)
    assert db.session.scalars(sa.select(Notification.kind)).all() == ["listing_approved"]
    assert [mail.to for mail in mailbox] == [lister.email]
    # Once public, a pause and a new publish do not wait again.
    listing_services.pause_listing(held, lister)
    assert listing_services.publish_listing(held, lister).status == ListingStatus.ACTIVE


def test_the_operator_can_turn_the_hazard_hold_off(
    app: Flask, make_listing: Callable[..., Listing]
) -> None:
    app.config["MODERATION_HOLD_HAZARDOUS"] = False
    assert make_listing(**SURVEYED).status == ListingStatus.ACTIVE


def test_new_accounts_wait_for_the_days_the_operator_set(
    app: Flask, make_listing: Callable[..., Listing], lister: User
) -> None:
    assert make_listing(owner=lister).status == ListingStatus.ACTIVE  # 0 days: no hold
    app.config["MODERATION_HOLD_NEW_ACCOUNTS_DAYS"] = 7
    assert make_listing(owner=lister).status == ListingStatus.PENDING_REVIEW
    lister.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert make_listing(owner=lister).status == ListingStatus.ACTIVE


def test_refusing_a_held_listing_is_a_decision_with_its_statement(
    app: Flask,
    make_listing: Callable[..., Listing],
    lister: User,
    moderator: User,
    mailbox: list[Mail],
) -> None:
    held = make_listing(owner=lister, **SURVEYED)
    decision = decide(held, moderator, DecisionAction.REMOVE_LISTING)
    db.session.refresh(held)
    assert held.status == ListingStatus.REMOVED
    assert decision.restored == {"listing_status": "pending_review"}
    assert queue.held_listings() == []
    assert [mail.to for mail in mailbox] == [lister.email]


def test_held_listings_show_in_the_queue_and_on_their_page(
    app: Flask,
    client: Client,
    make_listing: Callable[..., Listing],
    lister: User,
    moderator: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    lister.locale = Language.EN
    db.session.commit()
    held = make_listing(owner=lister, **SURVEYED)
    assert client.get(f"/listings/{held.id}").status_code == 404
    lister_page = text(signed_in(lister).get(f"/listings/{held.id}"))
    assert "waits for a moderator" in lister_page
    browser = signed_in(moderator)
    assert f'id="held-{held.id}"' in text(browser.get("/admin/moderation"))
    approve = f"/admin/moderation/listings/{held.id}/approve"
    assert approve in text(browser.get(f"/listings/{held.id}"))
    assert browser.submit(approve).status_code == 302
    db.session.refresh(held)
    assert held.status == ListingStatus.ACTIVE


def test_publishing_from_the_form_says_it_waits(
    app: Flask,
    make_site: Callable[..., Any],
    lister: User,
    category: Callable[[str], Any],
    signed_in: Callable[[User], Client],
) -> None:
    app.config["MODERATION_HOLD_NEW_ACCOUNTS_DAYS"] = 7
    lister.locale = Language.EN
    db.session.commit()
    site = make_site(lister)
    browser = signed_in(lister)
    response = browser.submit(
        "/listings/new?kind=material",
        {
            "title": "Kattotiilet",
            "category_id": category("common-bricks").id,
            "unit": "pcs",
            "quantity": "200",
            "condition": "good",
            "language": "fi",
            "available_from": str(site.created_at.date()),
            "site_id": site.id,
            "price_model": "free",
            "action": "publish",
        },
        follow_redirects=True,
    )
    assert "waits for a moderator" in text(response)
