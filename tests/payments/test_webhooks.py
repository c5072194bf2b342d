"""Stripe's webhooks arrive at least once, in any order; each has its effect exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import (
    Listing,
    Payment,
    PaymentStatus,
    Reservation,
    ReservationStatus,
    StripeEvent,
    User,
)
from marketplace.payments import services
from tests.payments.fake_stripe import FakeStripe
from tests.support import Client

URL = "/payments/stripe/webhook"


def post(client: Client, body: bytes, header: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return client.post(URL, data=body, headers=headers)


def fresh(reservation: Reservation) -> Reservation:
    db.session.rollback()  # a new snapshot: other threads may have committed since
    found = db.session.get(Reservation, reservation.id)
    assert found is not None
    return found


def available(listing: Listing) -> Decimal:
    db.session.rollback()
    return db.session.get(Listing, listing.id).quantity_available  # type: ignore[union-attr]


@pytest.fixture
def checkout(
    app: Flask, stripe_fake: FakeStripe, held: Callable[..., Reservation], buyer: User
) -> tuple[Reservation, dict[str, Any]]:
    """A held reservation with an open Checkout Session."""
    reservation = held()
    payment = services.start_checkout(reservation, buyer)
    assert payment.checkout_session_id is not None
    return reservation, stripe_fake.sessions[payment.checkout_session_id]


def test_a_completed_checkout_sends_the_request_to_the_lister(
    client: Client, stripe_fake: FakeStripe, checkout: tuple[Reservation, dict[str, Any]]
) -> None:
    reservation, session = checkout
    body, header = stripe_fake.event("checkout.session.completed", stripe_fake.pay(session["id"]))
    response = post(client, body, header)
    assert response.status_code == 200 and response.get_data(as_text=True) == "paid"
    assert fresh(reservation).status == ReservationStatus.REQUESTED
    payment = db.session.scalar(sa.select(Payment))
    assert payment is not None and payment.status == PaymentStatus.PAID
    assert payment.captured_cents == 4000 and payment.payment_intent_id


@pytest.mark.parametrize("problem", ["tampered", "wrong secret", "stale", "missing"])
def test_unsigned_or_stale_events_change_nothing(
    client: Client,
    stripe_fake: FakeStripe,
    checkout: tuple[Reservation, dict[str, Any]],
    problem: str,
) -> None:
    reservation, session = checkout
    body, header = stripe_fake.event("checkout.session.completed", stripe_fake.pay(session["id"]))
    if problem == "tampered":
        body = body.replace(b'"paid"', b'"paid" ')
    elif problem == "wrong secret":
        header = stripe_fake.sign(body, secret="whsec_someone_else")
    elif problem == "stale":
        header = stripe_fake.sign(body, timestamp=int(time.time()) - 600)
    response = post(client, body, None if problem == "missing" else header)
    assert response.status_code == 400
    assert fresh(reservation).status == ReservationStatus.PENDING_PAYMENT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 0


def test_the_same_event_five_times_in_a_row_has_one_effect(
    client: Client, stripe_fake: FakeStripe, checkout: tuple[Reservation, dict[str, Any]]
) -> None:
    reservation, session = checkout
    body, header = stripe_fake.event("checkout.session.completed", stripe_fake.pay(session["id"]))
    answers = [post(client, body, header).get_data(as_text=True) for _ in range(5)]
    assert answers == ["paid"] + ["duplicate"] * 4
    assert fresh(reservation).status == ReservationStatus.REQUESTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 1


def test_the_same_event_five_times_at_once_has_one_effect(
    app: Flask,
    stripe_fake: FakeStripe,
    checkout: tuple[Reservation, dict[str, Any]],
    paid_bricks: Listing,
    lister: User,
) -> None:
    reservation, session = checkout
    body, header = stripe_fake.event("checkout.session.completed", stripe_fake.pay(session["id"]))
    barrier = threading.Barrier(5)
    answers: list[str] = []

    def deliver() -> None:
        browser = app.test_client()
        barrier.wait()
        answers.append(post(browser, body, header).get_data(as_text=True))  # type: ignore[arg-type]

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == ["duplicate"] * 4 + ["paid"]
    assert fresh(reservation).status == ReservationStatus.REQUESTED
    assert available(paid_bricks) == 400
    from marketplace.models import Notification

    new_requests = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == lister.id, Notification.kind == "new_request")
    )
    assert new_requests == 1


def test_expired_then_completed_reinstates_the_hold_when_stock_allows(
    client: Client,
    stripe_fake: FakeStripe,
    checkout: tuple[Reservation, dict[str, Any]],
    paid_bricks: Listing,
) -> None:
    reservation, session = checkout
    expired = dict(session, status="expired")
    assert (
        post(client, *stripe_fake.event("checkout.session.expired", expired)).get_data(as_text=True)
        == "hold released"
    )
    assert available(paid_bricks) == 500
    late = post(
        client, *stripe_fake.event("checkout.session.completed", stripe_fake.pay(session["id"]))
    )
    assert "reinstated" in late.get_data(as_text=True)
    assert fresh(reservation).status == ReservationStatus.EXPIRED  # it stays as it ended
    again = db.session.scalar(sa.select(Reservation).where(Reservation.id != reservation.id))
    assert again is not None and again.status == ReservationStatus.REQUESTED
    assert again.quantity == 100 and available(paid_bricks) == 400
    payment = db.session.scalar(sa.select(Payment))
    assert payment is not None and payment.reservation_id == again.id
    assert stripe_fake.refunds == []


def test_a_late_payment_with_nothing_left_is_refunded_in_full(
    app: Flask,
    client: Client,
    stripe_fake: FakeStripe,
    checkout: tuple[Reservation, dict[str, Any]],
    paid_bricks: Listing,
    make_user: Any,
) -> None:
    from marketplace.reservations import materials
    from marketplace.reservations.materials import MaterialRequest
    from tests.reservations.conftest import tomorrow_at

    _, session = checkout
    post(client, *stripe_fake.event("checkout.session.expired", dict(session, status="expired")))
    materials.reserve_material(
        make_user(), paid_bricks, MaterialRequest(Decimal(500), tomorrow_at())
    )
    late = post(
        client, *stripe_fake.event("checkout.session.completed", stripe_fake.pay(session["id"]))
    )
    assert late.get_data(as_text=True) == "paid after the hold ended; refunded in full"
    [refund] = stripe_fake.refunds
    assert refund["amount"] == 4000 and refund["payment_intent"] == session["payment_intent"]
    refund_call = stripe_fake.calls("/v1/refunds")[0]
    assert refund_call.headers["Idempotency-Key"].startswith("refund:late:")
    payment = db.session.scalar(sa.select(Payment))
    assert payment is not None and payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_cents == payment.captured_cents == 4000


def test_completed_then_expired_keeps_the_payment(
    client: Client, stripe_fake: FakeStripe, checkout: tuple[Reservation, dict[str, Any]]
) -> None:
    reservation, session = checkout
    post(client, *stripe_fake.event("checkout.session.completed", stripe_fake.pay(session["id"])))
    after = post(client, *stripe_fake.event("checkout.session.expired", session))
    assert after.get_data(as_text=True) == "already settled"
    assert fresh(reservation).status == ReservationStatus.REQUESTED


def test_asynchronous_payment_success_and_failure(
    client: Client,
    stripe_fake: FakeStripe,
    checkout: tuple[Reservation, dict[str, Any]],
    held: Callable[..., Reservation],
    buyer: User,
    paid_bricks: Listing,
) -> None:
    reservation, session = checkout
    pending = stripe_fake.pay(session["id"], status="unpaid")
    waiting = post(client, *stripe_fake.event("checkout.session.completed", pending))
    assert waiting.get_data(as_text=True) == "awaiting an asynchronous payment"
    assert fresh(reservation).status == ReservationStatus.PENDING_PAYMENT
    succeeded = dict(pending, payment_status="paid")
    post(client, *stripe_fake.event("checkout.session.async_payment_succeeded", succeeded))
    assert fresh(reservation).status == ReservationStatus.REQUESTED

    other = held(50)
    payment = services.start_checkout(other, buyer)
    failed = stripe_fake.pay(payment.checkout_session_id or "", status="unpaid")
    answer = post(client, *stripe_fake.event("checkout.session.async_payment_failed", failed))
    assert answer.get_data(as_text=True) == "hold released"
    assert fresh(other).status == ReservationStatus.EXPIRED
    assert available(paid_bricks) == 400


def test_unknown_events_are_acknowledged_and_ignored(
    client: Client, stripe_fake: FakeStripe
) -> None:
    response = post(client, *stripe_fake.event("customer.created", {"id": "cus_1"}))
    assert response.status_code == 200 and response.get_data(as_text=True) == "ignored"
