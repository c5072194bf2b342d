"""The dashboard counts, from the database, what needs a person and what is unhealthy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask

from marketplace.admin import services
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail.notifications import MAX_ATTEMPTS
from marketplace.models import (
    CaseStatus,
    Complaint,
    Decision,
    DecisionAction,
    DeliveryStatus,
    FeedSource,
    GroundKind,
    Listing,
    ModerationCase,
    ModerationTarget,
    Notice,
    NoticeReason,
    Notification,
    Organisation,
    OrganisationKind,
    SyncStatus,
    User,
    VerificationStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from marketplace.reservations import materials
from marketplace.reservations.materials import MaterialRequest
from tests.admin.conftest import dashboard, part
from tests.support import Client


@pytest.fixture
def moderator_browser(moderator: User, signed_in: Callable[[User], Client]) -> Client:
    return signed_in(moderator)


def open_case(listing: Listing, reporter_email: str = "reporter@example.fi") -> ModerationCase:
    case = ModerationCase(
        target_type=ModerationTarget.LISTING,
        target_id=listing.id,
        notice_count=1,
        last_notice_at=utcnow(),
    )
    case.notices.append(
        Notice(
            target_type=ModerationTarget.LISTING,
            target_id=listing.id,
            reason=NoticeReason.STOLEN_GOODS,
            explanation="Nämä vietiin työmaaltamme viime viikolla.",
            reporter_email=reporter_email,
            good_faith=True,
        )
    )
    db.session.add(case)
    db.session.commit()
    return case


def decision(listing: Listing, moderator: User) -> Decision:
    taken = Decision(
        target_type=ModerationTarget.LISTING,
        target_id=listing.id,
        affected_user_id=listing.owner_id,
        action=DecisionAction.REMOVE_LISTING,
        ground_kind=GroundKind.TERMS,
        ground="Terms of use 4.2",
        facts="Reported as stolen.",
        decided_by_id=moderator.id,
        restored={"listing_status": "active"},
    )
    db.session.add(taken)
    db.session.commit()
    return taken


def partner(make_organisation: Callable[..., Organisation], name: str) -> Organisation:
    return make_organisation(name=name, kind=OrganisationKind.RENTAL_PARTNER, verified=True)


def test_an_empty_marketplace_needs_nobody(moderator_browser: Client) -> None:
    page = dashboard(moderator_browser)
    assert "No open notices." in part(page, "open-cases")
    assert "No organisation is waiting." in part(page, "organisations-to-verify")
    assert "No open complaints." in part(page, "open-complaints")
    assert "Given up after every retry: 0" in part(page, "email-outbox")
    assert "Every feed was read at its last pull." in part(page, "failing-feeds")
    assert "None: expiry is keeping up." in part(page, "stuck-reservations")


def test_open_cases_are_listed_oldest_first(
    moderator_browser: Client, make_listing: Callable[..., Listing]
) -> None:
    first, second = make_listing(title="Kupariputki"), make_listing(title="Ikkunat")
    older = open_case(second)
    older.opened_at = utcnow() - timedelta(days=2)
    open_case(first)
    decided = open_case(make_listing(title="Ratkaistu"))
    decided.status, decided.decided_at = CaseStatus.DECIDED, utcnow()
    db.session.commit()
    cases = part(dashboard(moderator_browser), "open-cases")
    assert '<span class="badge">2</span>' in cases
    assert cases.index(f"/listings/{second.id}") < cases.index(f"/listings/{first.id}")
    assert "1 notice" in cases
    assert f"/listings/{decided.target_id}" not in cases


def test_organisations_waiting_for_verification(
    moderator_browser: Client, make_organisation: Callable[..., Organisation]
) -> None:
    waiting = make_organisation(name="Purkupiste Oy")
    waiting.verification_status = VerificationStatus.PENDING
    make_organisation(name="Ei vielä hakenut Oy")
    db.session.commit()
    organisations = part(dashboard(moderator_browser), "organisations-to-verify")
    assert '<span class="badge">1</span>' in organisations
    assert "Purkupiste Oy" in organisations and waiting.business_id in organisations
    assert "Ei vielä hakenut" not in organisations


def test_open_complaints(
    moderator_browser: Client, moderator: User, make_listing: Callable[..., Listing]
) -> None:
    contested = decision(make_listing(), moderator)
    handled = decision(make_listing(), moderator)
    db.session.add_all(
        [
            Complaint(decision=contested, complainant_email="a@example.fi", text="Not stolen."),
            Complaint(
                decision=handled,
                complainant_email="b@example.fi",
                text="Mine.",
                status="upheld",
                handled_at=utcnow(),
            ),
        ]
    )
    db.session.commit()
    complaints = part(dashboard(moderator_browser), "open-complaints")
    assert '<span class="badge">1</span>' in complaints
    assert f"About decision #{contested.id} (Listing removed)" in complaints
    assert f"decision #{handled.id}" not in complaints


def test_email_failures_are_counted_with_their_errors(
    moderator_browser: Client, resident: User
) -> None:
    now = utcnow()
    db.session.add_all(
        [
            Notification(user_id=resident.id, kind="accepted", emailed_at=now),
            Notification(user_id=resident.id, kind="accepted"),
            Notification(
                user_id=resident.id,
                kind="declined",
                email_attempts=2,
                email_error="421 try again later",
            ),
            Notification(
                user_id=resident.id,
                kind="expired",
                email_attempts=MAX_ATTEMPTS,
                email_error="550 mailbox unavailable",
            ),
        ]
    )
    db.session.commit()
    email = part(dashboard(moderator_browser), "email-outbox")
    assert "Waiting to be sent: 2" in email
    assert "Failed and being retried: 1" in email
    assert "Given up after every retry: 1" in email
    assert "550 mailbox unavailable" in email and "421 try again later" in email
    assert f"<td>{MAX_ATTEMPTS}</td>" in email
    assert "Failing" in email


def test_webhook_failures_are_counted_with_their_partner(
    moderator_browser: Client, make_organisation: Callable[..., Organisation]
) -> None:
    rental = partner(make_organisation, "Vuokraamo Oy")
    endpoint = WebhookEndpoint(
        organisation_id=rental.id,
        url="https://erp.example.fi/hooks",
        secret="s",
        created_by_id=rental.memberships[0].user_id,
    )
    db.session.add(endpoint)
    db.session.flush()
    now = utcnow()

    def delivery(event_id: str, **state: object) -> WebhookDelivery:
        return WebhookDelivery(
            endpoint_id=endpoint.id,
            event="reservation.requested",
            event_id=event_id,
            payload="{}",
            next_attempt_at=now,
            **state,
        )

    db.session.add_all(
        [
            delivery("e1", status=DeliveryStatus.DELIVERED, attempts=1, delivered_at=now),
            delivery("e2"),
            delivery("e3", status=DeliveryStatus.FAILED, attempts=8, last_error="HTTP 502"),
        ]
    )
    db.session.commit()
    webhooks = part(dashboard(moderator_browser), "webhook-outbox")
    assert "Waiting to be sent: 1" in webhooks
    assert "Failed and being retried: 0" in webhooks
    assert "Given up after every retry: 1" in webhooks
    assert "Vuokraamo Oy" in webhooks and "HTTP 502" in webhooks


def test_failing_feeds(
    moderator_browser: Client, make_organisation: Callable[..., Organisation]
) -> None:
    failing, fine = (partner(make_organisation, n) for n in ("Rikki Oy", "Kunnossa Oy"))
    for organisation, error in ((failing, "HTTP 500 from the feed"), (fine, None)):
        db.session.add(
            FeedSource(
                organisation_id=organisation.id,
                url="https://feed.example.fi/items.csv",
                created_by_id=organisation.memberships[0].user_id,
                last_pulled_at=utcnow(),
                last_status=SyncStatus.FAILED if error else SyncStatus.SUCCEEDED,
                last_error=error,
            )
        )
    db.session.commit()
    feeds = part(dashboard(moderator_browser), "failing-feeds")
    assert '<span class="badge">1</span>' in feeds
    assert "Rikki Oy" in feeds and "HTTP 500 from the feed" in feeds
    assert "Kunnossa Oy" not in feeds


def test_reservations_stuck_past_their_expiry(
    moderator_browser: Client,
    resident: User,
    make_listing: Callable[..., Listing],
) -> None:
    bricks = make_listing()
    tomorrow = MaterialRequest(quantity=Decimal(2), pickup_at=utcnow() + timedelta(days=1))
    stuck = materials.reserve_material(resident, bricks, tomorrow)
    just_expired = materials.reserve_material(resident, bricks, tomorrow)
    stuck.expires_at = utcnow() - timedelta(hours=1)
    # The expiry job runs every half minute or so: this one is not stuck yet.
    just_expired.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    board = part(dashboard(moderator_browser), "stuck-reservations")
    assert '<span class="badge">1</span>' in board
    assert f"/reservations/{stuck.id}" in board
    assert f"/reservations/{just_expired.id}" not in board


def test_the_services_figures_add_up(
    app: Flask, make_listing: Callable[..., Listing], resident: User
) -> None:
    """The same figures without the page: what the feature helpers' own pages can reuse."""
    open_case(make_listing())
    db.session.add(Notification(user_id=resident.id, kind="accepted", email_attempts=1))
    db.session.commit()
    board = services.dashboard()
    assert (board.cases.total, board.organisations.total, board.complaints.total) == (1, 0, 0)
    assert (board.email.waiting, board.email.retrying, board.email.failed) == (1, 1, 0)
    assert (board.stuck.total, board.feeds, board.webhooks.waiting) == (0, [], 0)
