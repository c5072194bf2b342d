"""Outgoing webhooks: partners' endpoints, the outbox of deliveries, signing and retries.

A reservation change announces itself inside its own transaction (`reservations.events`);
the subscriber here writes one delivery per subscribed endpoint into the same transaction,
so a delivery exists exactly when its change was committed. Deliveries are sent after the
commit by a background thread of the process, and by `flask partners deliver-webhooks` for
whatever a crash or an unreachable receiver left behind.

Each delivery is sent at least once and, short of a crash at the wrong moment, once
(`mail.leases`): a sender leases it (`claimed_until`) and its process renews the lease while
the receiver answers, so no second sender sends it meanwhile; a sender that died lets it go
when the lease runs out (`OUTBOX_LEASE_SECONDS`). The attempt and its outcome are recorded
even if the database connection dies as the receiver answers. A copy that still slips
through carries the same event id (in the body) and delivery id (`X-Marketplace-Delivery`),
by which receivers drop it (docs/api.md).

Each request is signed `X-Marketplace-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the endpoint's secret>`. A failure is retried after 1 and 5 minutes, half an
hour, 2, 6, 12 and 24 hours (44 hours in all), then given up and shown as failed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.database import read_only_transactions
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.mail import leases, outbox
from marketplace.models import (
    DeliveryStatus,
    Organisation,
    Reservation,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    audit,
)
from marketplace.partners import keys, policies
from marketplace.partners.fetching import FetchError, check_target, check_url, fetch
from marketplace.partners.payloads import reservation_as_dict
from marketplace.reservations import events

logger = logging.getLogger(__name__)

EVENTS = (
    events.REQUESTED,
    events.ACCEPTED,
    events.DECLINED,
    events.CANCELLED,
    events.EXPIRED,
    events.COMPLETED,
    events.PAYMENT_SUCCEEDED,
    events.PAYMENT_REFUNDED,
)
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
LEASES = leases.Outbox(
    "webhook delivery",
    WebhookDelivery,
    WebhookDelivery.id,
    WebhookDelivery.claimed_until,
    holds_end=True,
)
MAX_ENDPOINTS = 10
SECRET_PREFIX = "whsec_"  # noqa: S105  (a public prefix, like the keys')


# Endpoints


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def _check_url(url: str) -> str:
    url = url.strip()
    if len(url) > 2000:
        raise ValidationError(_l("Keep the URL under 2000 characters."), field="url")
    policy = policies.webhooks()
    try:
        parts = check_url(url)
        check_target(url, policy)
    except FetchError as error:
        raise ValidationError(str(error), field="url") from error
    if parts.scheme != "https" and not policy.allow_private:
        raise ValidationError(_l("Webhook URLs must use https."), field="url")
    return url


def _check_events(chosen: list[str] | None) -> list[str]:
    if chosen is None:
        return list(EVENTS)
    unknown = [event for event in chosen if event not in EVENTS]
    if unknown or not chosen:
        message = _l("Choose events from: %(events)s.", events=", ".join(EVENTS))
        raise ValidationError(message, field="events")
    return [event for event in EVENTS if event in chosen]


def endpoints_of(organisation_id: int, *, include_deleted: bool = False) -> list[WebhookEndpoint]:
    query = sa.select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation_id)
    if not include_deleted:
        query = query.where(WebhookEndpoint.deleted_at.is_(None))
    return list(db.session.scalars(query.order_by(WebhookEndpoint.id.desc())))


def create_endpoint(
    organisation: Organisation,
    actor: User,
    url: str,
    chosen: list[str] | None = None,
    description: str = "",
) -> NewEndpoint:
    """Callers check that the actor may manage the organisation's webhooks."""
    keys.require_verified(organisation, field="url")
    if len(endpoints_of(organisation.id)) >= MAX_ENDPOINTS:
        message = _l("At most %(count)d endpoints per partner.", count=MAX_ENDPOINTS)
        raise ValidationError(message, field="url")
    if len(description.strip()) > 200:
        message = _l("Keep the description under 200 characters.")
        raise ValidationError(message, field="description")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        organisation_id=organisation.id,
        url=_check_url(url),
        description=description.strip(),
        events=_check_events(chosen),
        secret=secret,
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook.created", "organisation", organisation.id, endpoint=endpoint.id)
    db.session.commit()
    return NewEndpoint(endpoint, secret)


def delete_endpoint(organisation: Organisation, actor: User, endpoint_id: int) -> None:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organisation_id != organisation.id or endpoint.deleted_at:
        raise NotFound(_l("No such webhook endpoint."))
    endpoint.deleted_at = utcnow()
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    audit.record(actor, "webhook.deleted", "organisation", organisation.id, endpoint=endpoint.id)
    db.session.commit()


def recent_deliveries(organisation_id: int, limit: int = 50) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .join(WebhookDelivery.endpoint)
            .where(WebhookEndpoint.organisation_id == organisation_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# The outbox, written in the transaction of the event


def event_body(reservation: Reservation, event: str, event_id: str, **extra: Any) -> str:
    data: dict[str, Any] = {"reservation": reservation_as_dict(reservation)}
    details = extra.get("details")
    if details:
        data["details"] = details
    body = {
        "id": event_id,
        "type": event,
        "created_at": utcnow().isoformat(),
        "data": data,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str)


def on_reservation_event(reservation: Reservation, event: str = "", **extra: Any) -> None:
    """Subscribed to `reservations.events.reservation_event`."""
    organisation_id = reservation.listing.organisation_id
    if organisation_id is None:
        return
    endpoints = [e for e in endpoints_of(organisation_id) if event in (e.events or [])]
    if not endpoints:
        return
    event_id = "evt_" + uuid.uuid4().hex
    body = event_body(reservation, event, event_id, **extra)
    now = utcnow()
    for endpoint in endpoints:
        db.session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event=event,
                event_id=event_id,
                reservation_id=reservation.id,
                payload=body,
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
    outbox.send_after_commit("webhooks", "WEBHOOKS_DELIVERY", deliver_due)


# Sending


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0

    @property
    def total(self) -> int:
        return self.delivered + self.retrying + self.given_up

    def __str__(self) -> str:
        return (
            f"delivered {self.delivered}, retrying {self.retrying}, "
            f"given up {self.given_up} webhook deliveries"
        )


def _claim(delivery_id: int, now: datetime) -> leases.Lease | None:
    return leases.take(LEASES, delivery_id, now, WebhookDelivery.status == DeliveryStatus.PENDING)


@dataclass(frozen=True)
class _Outgoing:
    """What sending a delivery needs, read before the request so that no transaction stays
    open while the receiver answers."""

    delivery_id: int
    url: str
    secret: str
    event: str
    payload: str
    attempts: int  # before this one


@dataclass(frozen=True)
class _Answer:
    status: int | None
    excerpt: str
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _send(outgoing: _Outgoing, now: datetime) -> _Answer:
    body = outgoing.payload.encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "X-Marketplace-Signature": signature(outgoing.secret, timestamp, body),
        "X-Marketplace-Event": outgoing.event,
        "X-Marketplace-Delivery": str(outgoing.delivery_id),
    }
    started = time.monotonic()
    try:
        response = fetch(
            outgoing.url,
            policies.webhooks(),
            method="POST",
            body=body,
            headers=headers,
            follow_redirects=False,
        )
    except FetchError as error:
        elapsed = int((time.monotonic() - started) * 1000)
        return _Answer(None, "", str(error)[:300], elapsed)
    elapsed = int((time.monotonic() - started) * 1000)
    excerpt = response.body[:500].decode("utf-8", "replace")
    return _Answer(response.status, excerpt, None, elapsed)


def _settle(
    lease: leases.Lease, outgoing: _Outgoing, answer: _Answer, now: datetime
) -> tuple[str, leases.Write]:
    """What became of the delivery, and the idempotent write that records the attempt: it
    applies only while the delivery is pending with the attempts it had when it was sent."""
    attempts = outgoing.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": answer.status,
        "last_error": answer.error or (None if answer.ok else f"HTTP {answer.status}"),
    }
    if answer.ok:
        outcome = "delivered"
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif attempts > len(BACKOFF):
        outcome = "given_up"
        values.update(status=DeliveryStatus.FAILED)
    else:
        outcome = "retrying"
        values.update(next_attempt_at=now + BACKOFF[attempts - 1])

    def write(connection: sa.Connection) -> None:
        settled = connection.execute(
            sa.update(WebhookDelivery)
            .where(
                WebhookDelivery.id == outgoing.delivery_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.attempts == outgoing.attempts,
            )
            .values(values)
        )
        if settled.rowcount == 1:
            connection.execute(
                sa.insert(WebhookAttempt).values(
                    delivery_id=outgoing.delivery_id,
                    attempted_at=now,
                    status_code=answer.status,
                    error=answer.error,
                    response_excerpt=answer.excerpt,
                    duration_ms=answer.duration_ms,
                )
            )
        lease.release(connection)

    return outcome, write


def _outgoing(delivery_id: int) -> _Outgoing | None:
    """The leased delivery, ready to send; None (and cancelled) if its endpoint is gone."""
    with read_only_transactions():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        endpoint = delivery.endpoint if delivery is not None else None
        outgoing = None
        if delivery is not None and endpoint is not None and endpoint.deleted_at is None:
            outgoing = _Outgoing(
                delivery.id,
                endpoint.url,
                endpoint.secret,
                delivery.event,
                delivery.payload,
                delivery.attempts,
            )
    leases.let_go(db.session)
    if outgoing is None and delivery is not None:
        db.session.execute(
            sa.update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
            )
            .values(status=DeliveryStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return outgoing


def _deliver(lease: leases.Lease, now: datetime) -> str | None:
    """Send one leased delivery and record the attempt; returns what became of it."""
    with lease:
        outgoing = _outgoing(lease.row_id)
        if outgoing is None:
            return None
        answer = _send(outgoing, now)
        outcome, write = _settle(lease, outgoing, answer, now)
        lease.record(write)
        return outcome


def deliver_due(now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send every delivery that is due. Safe to run often and from several processes."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()
    db.session.commit()
    report = DeliveryReport()
    for delivery_id in due:
        lease = _claim(delivery_id, now)
        if lease is None:
            continue
        outcome = _deliver(lease, now)
        if outcome == "delivered":
            report.delivered += 1
        elif outcome == "retrying":
            report.retrying += 1
        elif outcome == "given_up":
            report.given_up += 1
    return report
