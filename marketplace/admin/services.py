"""The console's figures, and its actions.

Every admin action is one service function that checks the actor's role, makes the change,
writes it down with `audit.record(actor, "<object>.<what happened>", "<object type>", id,
**details)` and commits once, so that the audit event commits or rolls back with the change
it describes (`repair_search_index` below is the pattern). Views only call such functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from marketplace.core.clock import utcnow
from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.mail.notifications import MAX_ATTEMPTS
from marketplace.models import (
    HOLDING,
    CaseStatus,
    Complaint,
    ComplaintStatus,
    DeliveryStatus,
    FeedSource,
    ModerationCase,
    Notification,
    Organisation,
    Reservation,
    SyncStatus,
    User,
    VerificationStatus,
    WebhookDelivery,
    WebhookEndpoint,
    audit,
)
from marketplace.search import services as search
from marketplace.search.backend import SearchUnavailable

T = TypeVar("T")
# How many items of each kind the dashboard lists; the counts are always whole.
SHOWN = 10
# `flask jobs run` expires holds every half minute or so; a hold this far past its expiry
# means the job is not running.
STUCK_AFTER = timedelta(minutes=5)


def require_moderator(actor: User) -> None:
    if not actor.is_moderator:
        raise Forbidden(_l("Only moderators can do this."))


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(_l("Only administrators can do this."))


@dataclass(frozen=True)
class Queue(Generic[T]):
    """How many are waiting, and the first of them, oldest first."""

    total: int
    first: list[T]


@dataclass(frozen=True)
class Failure:
    """One outbox entry that could not be sent: an e-mail or a webhook delivery."""

    id: int
    kind: str
    party: str
    attempts: int
    error: str
    created_at: datetime


@dataclass(frozen=True)
class Outbox:
    # Not sent yet and still being tried (some of them after failing: `retrying`).
    waiting: int
    retrying: int
    # Given up after every retry.
    failed: int
    oldest_waiting: datetime | None
    failures: list[Failure]

    @property
    def healthy(self) -> bool:
        return self.retrying == 0 and self.failed == 0


@dataclass(frozen=True)
class FailingFeed:
    organisation_id: int
    organisation: str
    last_pulled_at: datetime | None
    last_status: SyncStatus | None
    last_error: str


@dataclass(frozen=True)
class Dashboard:
    cases: Queue[ModerationCase]
    organisations: Queue[Organisation]
    complaints: Queue[Complaint]
    email: Outbox
    webhooks: Outbox
    feeds: list[FailingFeed]
    stuck: Queue[Reservation]


def _count(model: type[object], *where: sa.ColumnElement[bool]) -> int:
    query = sa.select(sa.func.count()).select_from(model).where(*where)
    return int(db.session.scalar(query) or 0)


def _queue(query: sa.Select[T], model: type[object], waiting: sa.ColumnElement[bool]) -> Queue[T]:
    """The first SHOWN rows of `query`, in its order, and how many wait in all."""
    first = db.session.scalars(query.where(waiting).limit(SHOWN))
    return Queue(_count(model, waiting), list(first))


def open_cases() -> Queue[ModerationCase]:
    oldest_first = sa.select(ModerationCase).order_by(ModerationCase.opened_at, ModerationCase.id)
    return _queue(oldest_first, ModerationCase, ModerationCase.status == CaseStatus.OPEN)


def organisations_to_verify() -> Queue[Organisation]:
    oldest_first = sa.select(Organisation).order_by(Organisation.created_at, Organisation.id)
    pending = Organisation.verification_status == VerificationStatus.PENDING
    return _queue(oldest_first, Organisation, pending)


def open_complaints() -> Queue[Complaint]:
    oldest_first = (
        sa.select(Complaint)
        .options(joinedload(Complaint.decision))
        .order_by(Complaint.created_at, Complaint.id)
    )
    return _queue(oldest_first, Complaint, Complaint.status == ComplaintStatus.OPEN)


def email_outbox() -> Outbox:
    """Notification e-mails: a notification is its own e-mail's outbox entry."""
    unsent = Notification.emailed_at.is_(None)
    trying = sa.and_(unsent, Notification.email_attempts < MAX_ATTEMPTS)
    oldest = db.session.scalar(sa.select(sa.func.min(Notification.created_at)).where(trying))
    failed = db.session.scalars(
        sa.select(Notification)
        .where(unsent, Notification.email_error.is_not(None))
        .order_by(Notification.id.desc())
        .limit(SHOWN)
    )
    return Outbox(
        waiting=_count(Notification, trying),
        retrying=_count(Notification, trying, Notification.email_attempts > 0),
        failed=_count(Notification, unsent, Notification.email_attempts >= MAX_ATTEMPTS),
        oldest_waiting=oldest,
        failures=[
            Failure(n.id, n.kind, "", n.email_attempts, n.email_error or "", n.created_at)
            for n in failed
        ],
    )


def webhook_outbox() -> Outbox:
    pending = WebhookDelivery.status == DeliveryStatus.PENDING
    oldest = db.session.scalar(sa.select(sa.func.min(WebhookDelivery.created_at)).where(pending))
    failing = sa.or_(
        WebhookDelivery.status == DeliveryStatus.FAILED,
        sa.and_(pending, WebhookDelivery.attempts > 0),
    )
    failed = db.session.execute(
        sa.select(WebhookDelivery, Organisation.name)
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .join(Organisation, WebhookEndpoint.organisation_id == Organisation.id)
        .where(failing)
        .order_by(WebhookDelivery.id.desc())
        .limit(SHOWN)
    )
    return Outbox(
        waiting=_count(WebhookDelivery, pending),
        retrying=_count(WebhookDelivery, pending, WebhookDelivery.attempts > 0),
        failed=_count(WebhookDelivery, WebhookDelivery.status == DeliveryStatus.FAILED),
        oldest_waiting=oldest,
        failures=[
            Failure(d.id, d.event, name, d.attempts, d.last_error or "", d.created_at)
            for d, name in failed
        ],
    )


def failing_feeds() -> list[FailingFeed]:
    rows = db.session.execute(
        sa.select(FeedSource, Organisation.name)
        .join(Organisation, FeedSource.organisation_id == Organisation.id)
        .where(FeedSource.enabled.is_(True), FeedSource.last_error.is_not(None))
        .order_by(FeedSource.last_pulled_at, FeedSource.id)
    )
    return [
        FailingFeed(
            feed.organisation_id, name, feed.last_pulled_at, feed.last_status, feed.last_error or ""
        )
        for feed, name in rows
    ]


def stuck_reservations(now: datetime | None = None) -> Queue[Reservation]:
    """Holds past their expiry that the expiry job has not released."""
    overdue = sa.and_(
        Reservation.status.in_(HOLDING),
        Reservation.expires_at < (now or utcnow()) - STUCK_AFTER,
    )
    first = db.session.scalars(
        sa.select(Reservation)
        .options(joinedload(Reservation.listing))
        .where(overdue)
        .order_by(Reservation.expires_at, Reservation.id)
        .limit(SHOWN)
    )
    return Queue(_count(Reservation, overdue), list(first))


def dashboard(now: datetime | None = None) -> Dashboard:
    return Dashboard(
        cases=open_cases(),
        organisations=organisations_to_verify(),
        complaints=open_complaints(),
        email=email_outbox(),
        webhooks=webhook_outbox(),
        feeds=failing_feeds(),
        stuck=stuck_reservations(now),
    )


def check_search_index() -> search.CheckReport | None:
    """What `flask search check` reports; None when the index cannot be read. It reads every
    searchable listing, so the dashboard runs it only when asked."""
    try:
        return search.check()
    except SearchUnavailable:
        return None


def repair_search_index(actor: User) -> int:
    """Re-index the listings out of step with the database, as `flask search check --repair`
    does; returns how many there were."""
    require_admin(actor)
    report = search.check()
    if report.drift:
        search.repair(report.drift)
    audit.record(
        actor,
        "search_index.repaired",
        "search_index",
        None,
        missing=len(report.missing),
        stale=len(report.stale),
        extra=len(report.extra),
    )
    db.session.commit()
    return len(report.drift)
