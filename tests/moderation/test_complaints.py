"""Complaints (DSA Art. 20): once per decision, within six months, by the person it restricts;
another moderator decides; a reversal restores exactly what was restricted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import (
    Complaint,
    ComplaintStatus,
    Decision,
    DecisionAction,
    Listing,
    ListingStatus,
    Notification,
    User,
)
from marketplace.moderation import complaints, statements
from marketplace.moderation.statements import months_after
from marketplace.search.documents import searchable
from tests.moderation.conftest import Mail, decide
from tests.support import PASSWORD, Client, text

REASONS = "The sheets are fibre cement without asbestos; the survey is attached to the listing."


def is_searchable(listing: Listing) -> bool:
    db.session.rollback()
    query = sa.select(Listing.id).where(Listing.id == listing.id, searchable())
    return db.session.scalar(query) is not None


def complain(decision: Decision, person: User) -> Complaint:
    return complaints.file_complaint(decision.id, person, REASONS)


def test_the_affected_person_contests_once_from_the_link_in_the_statement(
    app: Flask, client: Client, bricks: Listing, moderator: User, mailbox: list[Mail]
) -> None:
    decision = decide(bricks, moderator, DecisionAction.REMOVE_LISTING)
    token = statements.token_for(decision)
    url = f"/moderation/decisions/{decision.id}"
    response = client.submit(f"{url}/complaint", {"text": REASONS, "token": token})
    assert response.status_code == 302
    complaint = db.session.scalars(sa.select(Complaint)).one()
    assert complaint.status == ComplaintStatus.OPEN and complaint.complainant_user_id
    assert complaint.complainant_email == "lister@example.fi"
    again = client.submit(f"{url}/complaint", {"text": REASONS, "token": token})
    assert again.status_code == 302  # told, and nothing more
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1
    assert 'id="complaint-status"' in text(client.get(f"{url}?token={token}"))
    assert client.submit(f"{url}/complaint", {"text": REASONS}).status_code == 404


def test_a_complaint_is_the_affected_persons_alone(
    app: Flask, bricks: Listing, lister: User, resident: User, moderator: User, mailbox: list[Mail]
) -> None:
    decision = decide(bricks, moderator, DecisionAction.REMOVE_LISTING)
    with pytest.raises(NotFound):
        complaints.file_complaint(decision.id, resident, REASONS)
    complain(decision, lister)
    with pytest.raises(Conflict):
        complain(decision, lister)


def test_six_months_to_complain(
    app: Flask, bricks: Listing, lister: User, moderator: User, mailbox: list[Mail]
) -> None:
    decision = decide(bricks, moderator, DecisionAction.RESTRICT_VISIBILITY)
    deadline = statements.complaint_deadline(decision)
    assert deadline == months_after(decision.decided_at, 6)
    assert timedelta(days=180) < deadline - decision.decided_at < timedelta(days=185)
    with pytest.raises(Conflict):
        complaints.file_complaint(decision.id, lister, REASONS, now=deadline + timedelta(seconds=1))
    assert complaints.file_complaint(decision.id, lister, REASONS, now=deadline)


def test_months_after_keeps_the_day_or_takes_the_months_last() -> None:
    from datetime import UTC, datetime

    assert months_after(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2027, 2, 28, tzinfo=UTC)
    assert months_after(datetime(2026, 3, 15, tzinfo=UTC), 6) == datetime(2026, 9, 15, tzinfo=UTC)


def test_decisions_that_restrict_nothing_cannot_be_contested(
    app: Flask, bricks: Listing, lister: User, moderator: User, mailbox: list[Mail]
) -> None:
    decision = decide(bricks, moderator, DecisionAction.NO_ACTION)
    with pytest.raises(NotFound):
        complain(decision, lister)


def test_the_moderator_who_decided_does_not_judge_the_complaint(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    resident: User,
    mailbox: list[Mail],
) -> None:
    complaint = complain(decide(bricks, moderator, DecisionAction.REMOVE_LISTING), lister)
    with pytest.raises(Forbidden):
        complaints.handle_complaint(complaint.id, moderator, reverse=True, outcome=REASONS)
    with pytest.raises(Forbidden):
        complaints.handle_complaint(complaint.id, resident, reverse=True, outcome=REASONS)
    db.session.refresh(complaint)
    assert complaint.status == ComplaintStatus.OPEN


def test_reversing_a_removal_restores_the_listing_and_its_search(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    second_moderator: User,
    mailbox: list[Mail],
) -> None:
    decision = decide(bricks, moderator, DecisionAction.REMOVE_LISTING)
    complaint = complain(decision, lister)
    mailbox.clear()
    complaints.handle_complaint(complaint.id, second_moderator, reverse=True, outcome=REASONS)
    db.session.refresh(bricks)
    db.session.refresh(decision)
    assert bricks.status == ListingStatus.ACTIVE and bricks.removed_by_decision_id is None
    assert bricks.removed_at is None and bricks.removal_reason is None
    assert decision.reversed_at is not None and decision.reversed_by_complaint_id == complaint.id
    assert complaint.status == ComplaintStatus.REVERSED
    assert complaint.handled_by_id == second_moderator.id
    assert is_searchable(bricks)
    [told] = mailbox
    assert told.to == lister.email and "Keran materiaalitori" in told.body
    kinds = db.session.scalars(
        sa.select(Notification.kind)
        .where(Notification.user_id == lister.id)
        .order_by(Notification.id)
    ).all()
    assert kinds == ["moderation_decision", "complaint_outcome"]
    with pytest.raises(Conflict):
        complaints.handle_complaint(complaint.id, second_moderator, reverse=False, outcome=REASONS)


def test_reversing_a_restriction_lifts_only_the_restriction(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    second_moderator: User,
    mailbox: list[Mail],
) -> None:
    from marketplace.listings import services as listing_services

    decision = decide(bricks, moderator, DecisionAction.RESTRICT_VISIBILITY)
    listing_services.pause_listing(bricks, lister)  # the lister's own change stays
    complaint = complain(decision, lister)
    complaints.handle_complaint(complaint.id, second_moderator, reverse=True, outcome=REASONS)
    db.session.refresh(bricks)
    assert bricks.restricted_at is None and bricks.status == ListingStatus.PAUSED


@pytest.mark.parametrize(
    "action", [DecisionAction.SUSPEND_TEMPORARILY, DecisionAction.SUSPEND_INDEFINITELY]
)
def test_reversing_a_suspension_reinstates_the_person(
    app: Flask,
    client: Client,
    bricks: Listing,
    lister: User,
    moderator: User,
    second_moderator: User,
    mailbox: list[Mail],
    action: DecisionAction,
) -> None:
    decision = decide(bricks, moderator, action)
    refused = client.submit("/login", {"email": lister.email, "password": PASSWORD})
    assert refused.status_code != 302
    complaint = complain(decision, lister)
    complaints.handle_complaint(complaint.id, second_moderator, reverse=True, outcome=REASONS)
    db.session.refresh(lister)
    assert not lister.is_suspended() and lister.suspension_decision_id is None
    assert is_searchable(bricks)
    client.sign_in(lister.email)


def test_upholding_changes_nothing_and_tells_the_person(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    second_moderator: User,
    mailbox: list[Mail],
) -> None:
    decision = decide(bricks, moderator, DecisionAction.REMOVE_LISTING)
    complaint = complain(decision, lister)
    mailbox.clear()
    complaints.handle_complaint(complaint.id, second_moderator, reverse=False, outcome=REASONS)
    db.session.refresh(bricks)
    db.session.refresh(decision)
    assert bricks.status == ListingStatus.REMOVED and decision.reversed_at is None
    assert complaint.status == ComplaintStatus.UPHELD
    assert [mail.to for mail in mailbox] == [lister.email]


def test_a_refused_listing_reversed_goes_back_to_review(
    app: Flask,
    app_config: dict[str, Any],
    make_listing: Callable[..., Listing],
    lister: User,
    moderator: User,
    second_moderator: User,
    mailbox: list[Mail],
) -> None:
    app.config["MODERATION_HOLD_NEW_ACCOUNTS_DAYS"] = 7
    held = make_listing(owner=lister)
    assert held.status == ListingStatus.PENDING_REVIEW
    decision = decide(held, moderator, DecisionAction.REMOVE_LISTING)
    assert decision.restored == {"listing_status": "pending_review"}
    complaint = complain(decision, lister)
    complaints.handle_complaint(complaint.id, second_moderator, reverse=True, outcome=REASONS)
    db.session.refresh(held)
    assert held.status == ListingStatus.PENDING_REVIEW


def test_complaints_reach_the_console(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    second_moderator: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    complaint = complain(decide(bricks, moderator, DecisionAction.REMOVE_LISTING), lister)
    own = text(signed_in(moderator).get(f"/admin/complaints/{complaint.id}"))
    assert 'id="outcome-form"' not in own and "another moderator must handle" in own
    browser = signed_in(second_moderator)
    assert f'id="complaint-{complaint.id}"' in text(browser.get("/admin/complaints"))
    url = f"/admin/complaints/{complaint.id}"
    assert 'id="outcome-form"' in text(browser.get(url))
    assert browser.submit(f"{url}/handle", {"outcome": "reversed"}).status_code == 422
    done = browser.submit(f"{url}/handle", {"outcome": "reversed", "explanation": REASONS})
    assert done.status_code == 302
    db.session.refresh(bricks)
    assert bricks.status == ListingStatus.ACTIVE
