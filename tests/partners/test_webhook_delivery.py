"""Outgoing webhooks against a receiver on 127.0.0.1: written with the event, signed, retried
with backoff for over a day, and nothing lost when a runner dies or two run at once."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from marketplace import create_app
from marketplace.core.clock import today_in_finland, utcnow
from marketplace.extensions import db
from marketplace.models import (
    DeliveryStatus,
    Listing,
    Reservation,
    User,
    WebhookDelivery,
)
from marketplace.partners import webhooks
from marketplace.reservations import bookings, events, transitions
from marketplace.reservations.bookings import BookingRequest
from tests.partners.fixtures import Api, LocalServer, PartnerHandle, rental_item


def verify(secret: str, header: str, body: bytes, now: float) -> bool:
    """The check the partner docs show, with the clock passed in."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(now - timestamp) > 300:
        return False
    signed = str(timestamp).encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver(local_server: Callable[..., LocalServer], private_urls: None) -> LocalServer:
    return local_server((200, {}, b"thanks"))


@pytest.fixture
def secret(api: Api, partner: PartnerHandle, receiver: LocalServer) -> str:
    body = {"url": f"{receiver.url}/hooks", "events": ["reservation.requested"]}
    response = api.post("/webhooks", partner.key, body)
    assert response.status_code == 201
    return str(response.get_json()["secret"])


@pytest.fixture
def listing(api: Api, partner: PartnerHandle) -> Listing:
    response = api.put("/inventory/SCAF-1", partner.key, rental_item())
    found = db.session.get(Listing, response.get_json()["item"]["id"])
    assert found is not None
    return found


def book(listing: Listing, who: User, days_ahead: int = 3) -> Reservation:
    start = today_in_finland() + timedelta(days=days_ahead)
    return bookings.book_equipment(
        who, listing, BookingRequest(start, start + timedelta(days=1), 1)
    )


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_delivery_is_written_with_its_event(
    secret: str, listing: Listing, make_user: Callable[..., User], receiver: LocalServer
) -> None:
    reservation = book(listing, make_user())
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.PENDING and delivery.reservation_id == reservation.id
    payload = json.loads(delivery.payload)
    assert payload["type"] == "reservation.requested" and payload["id"].startswith("evt_")
    assert payload["data"]["reservation"]["listing"]["external_id"] == "SCAF-1"
    # Events the endpoint did not choose make no deliveries; nor do rolled-back changes.
    transitions.accept(reservation, listing.owner)
    events.publish(reservation, events.REQUESTED)
    db.session.rollback()
    assert len(deliveries()) == 1
    assert receiver.received == []  # sent by the job, not inside the request


def test_the_signature_verifies_at_the_receiver(
    secret: str, listing: Listing, make_user: Callable[..., User], receiver: LocalServer
) -> None:
    book(listing, make_user())
    now = utcnow()
    report = webhooks.deliver_due(now)
    assert (report.delivered, report.retrying) == (1, 0)
    [request] = receiver.received
    assert request.method == "POST" and request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-marketplace-event"] == "reservation.requested"
    signature = request.headers["x-marketplace-signature"]
    assert verify(secret, signature, request.body, now.timestamp())
    assert not verify(secret, signature, request.body + b" ", now.timestamp())
    assert not verify("whsec_wrong", signature, request.body, now.timestamp())
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert delivery.attempt_log[0].status_code == 200
    assert delivery.attempt_log[0].response_excerpt == "thanks"


def _run_until_settled(start: datetime) -> list[datetime]:
    """Run the job whenever the delivery is due, as cron would; returns the attempt times."""
    attempts: list[datetime] = []
    now = start
    for _ in range(20):
        report = webhooks.deliver_due(now)
        if report.total:
            attempts.append(now)
        [delivery] = deliveries()
        if delivery.status != DeliveryStatus.PENDING:
            return attempts
        # A minute early, nothing happens; on time, the next attempt goes.
        early = delivery.next_attempt_at - timedelta(minutes=1)
        assert webhooks.deliver_due(early).total == 0
        now = delivery.next_attempt_at
    raise AssertionError("never settled")


def test_a_failing_receiver_is_retried_with_backoff_for_over_a_day(
    secret: str, listing: Listing, make_user: Callable[..., User], receiver: LocalServer
) -> None:
    receiver.answer_with((500, {}, b"database down"))
    book(listing, make_user())
    start = utcnow()
    attempts = _run_until_settled(start)
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert gaps == list(webhooks.BACKOFF)
    assert attempts[-1] - attempts[0] > timedelta(days=1)
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 8
    assert len(receiver.received) == 8
    assert {attempt.status_code for attempt in delivery.attempt_log} == {500}
    assert delivery.attempt_log[-1].response_excerpt == "database down"


def test_a_receiver_that_recovers_gets_the_event(
    secret: str, listing: Listing, make_user: Callable[..., User], receiver: LocalServer
) -> None:
    receiver.answer_with((503, {}, b""), (302, {"Location": "/elsewhere"}, b""), (204, {}, b""))
    book(listing, make_user())
    attempts = _run_until_settled(utcnow())
    assert len(attempts) == 3  # a redirect is not followed: it counts as a failure
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in delivery.attempt_log] == [503, 302, 204]
    bodies = {request.body for request in receiver.received}
    assert len(bodies) == 1  # every attempt sends the same event, as the same delivery
    named = {request.headers["x-marketplace-delivery"] for request in receiver.received}
    assert named == {str(delivery.id)}


def test_a_runner_that_dies_loses_nothing(
    app_config: dict[str, Any],
    secret: str,
    listing: Listing,
    make_user: Callable[..., User],
    receiver: LocalServer,
) -> None:
    book(listing, make_user())
    [delivery] = deliveries()
    now = utcnow()
    lease = webhooks._claim(delivery.id, now)  # a runner claims it, then its process dies
    assert lease is not None
    lease.end()  # a dead process renews nothing
    assert webhooks.deliver_due(now + lease.length / 2).total == 0
    # A new process, started later, finds the delivery in the database and sends it.
    restarted = create_app({**app_config, "PARTNERS_ALLOW_PRIVATE_URLS": True})
    with restarted.app_context():
        report = webhooks.deliver_due(now + lease.length + timedelta(seconds=1))
        db.session.remove()
        db.engine.dispose()
    assert report.delivered == 1 and len(receiver.received) == 1


def test_runners_side_by_side_send_each_delivery_once(
    app: Flask,
    secret: str,
    listing: Listing,
    make_user: Callable[..., User],
    receiver: LocalServer,
) -> None:
    for week in range(4):
        book(listing, make_user(), days_ahead=3 + 7 * week)
    db.session.commit()
    now = utcnow()
    barrier = threading.Barrier(3)

    def runner() -> None:
        with app.app_context():
            barrier.wait()
            webhooks.deliver_due(now)
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receiver.received) == 4
    assert {d.status for d in deliveries()} == {DeliveryStatus.DELIVERED}


def test_deleting_an_endpoint_drops_what_it_has_not_received(
    api: Api,
    partner: PartnerHandle,
    secret: str,
    listing: Listing,
    make_user: Callable[..., User],
    receiver: LocalServer,
) -> None:
    book(listing, make_user())
    [delivery] = deliveries()
    api.delete(f"/webhooks/{delivery.endpoint_id}", partner.key)
    assert webhooks.deliver_due().total == 0
    assert deliveries()[0].status == DeliveryStatus.CANCELLED
    assert receiver.received == []


def test_unreachable_receivers_are_recorded(
    api: Api,
    partner: PartnerHandle,
    private_urls: None,
    listing: Listing,
    make_user: Callable[..., User],
) -> None:
    api.post("/webhooks", partner.key, {"url": "https://127.0.0.1:9/closed"})
    book(listing, make_user())
    webhooks.deliver_due()
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error and delivery.attempt_log[0].status_code is None


def test_sending_refuses_private_receivers_unless_allowed(
    app: Flask,
    api: Api,
    partner: PartnerHandle,
    secret: str,
    listing: Listing,
    make_user: Callable[..., User],
    receiver: LocalServer,
) -> None:
    app.config["PARTNERS_ALLOW_PRIVATE_URLS"] = False
    book(listing, make_user())
    webhooks.deliver_due()
    [delivery] = deliveries()
    assert "private" in (delivery.last_error or "") and receiver.received == []


def test_the_cli_and_the_job_runner_send_them(
    app: Flask,
    runner: FlaskCliRunner,
    secret: str,
    listing: Listing,
    make_user: Callable[..., User],
    receiver: LocalServer,
) -> None:
    book(listing, make_user())
    result = runner.invoke(args=["partners", "deliver-webhooks"])
    assert result.output.strip().splitlines()[-1].startswith("delivered 1,")
    book(listing, make_user(), days_ahead=10)
    from marketplace.ops.jobs import run_once

    assert run_once(app)["partner webhooks"] == 1
    assert len(receiver.received) == 2
