from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import Payment, PaymentStatus, Refund, Reservation, User
from marketplace.payments import services
from marketplace.reservations import transitions
from tests.payments.fake_stripe import FakeStripe
from tests.support import Client, text


@pytest.fixture
def paid(
    app: Flask, stripe_fake: FakeStripe, held: Callable[..., Reservation], buyer: User
) -> Callable[..., Reservation]:
    """A reservation whose checkout Stripe says is paid."""

    def make(quantity: int = 100, **changes: Any) -> Reservation:
        reservation = held(quantity, **changes)
        payment = services.start_checkout(reservation, buyer)
        session = stripe_fake.pay(payment.checkout_session_id or "")
        services.fulfil(services._session_of(session))
        db.session.commit()
        db.session.refresh(reservation)
        return reservation

    return make


def payment_of(reservation: Reservation) -> Payment:
    db.session.rollback()
    payment = db.session.scalar(sa.select(Payment).where(Payment.reservation_id == reservation.id))
    assert payment is not None
    return payment


def test_declining_a_paid_request_refunds_it_in_full(
    stripe_fake: FakeStripe, paid: Callable[..., Reservation], lister: User
) -> None:
    reservation = paid()
    transitions.decline(reservation, lister, "Sold already")
    [refund] = stripe_fake.refunds
    assert refund["amount"] == 4000
    call = stripe_fake.calls("/v1/refunds")[0]
    assert call.headers["Idempotency-Key"] == f"refund:{reservation.id}:reservation.declined"
    payment = payment_of(reservation)
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_cents == 4000
    assert payment.refunds[0].stripe_refund_id == refund["id"]


def test_cancelling_in_good_time_refunds_late_cancelling_does_not(
    stripe_fake: FakeStripe, paid: Callable[..., Reservation], buyer: User
) -> None:
    early = paid(50, pickup_at=utcnow() + timedelta(days=3))
    transitions.cancel(early, buyer)
    assert [r["amount"] for r in stripe_fake.refunds] == [2000]
    soon = utcnow() + timedelta(hours=3)  # inside the listing's 24 free hours
    late = paid(50, pickup_at=soon)
    transitions.cancel(late, buyer)
    assert [r["amount"] for r in stripe_fake.refunds] == [2000]
    assert payment_of(late).status == PaymentStatus.PAID


def test_the_lister_cancelling_always_refunds(
    stripe_fake: FakeStripe, paid: Callable[..., Reservation], lister: User
) -> None:
    reservation = paid(pickup_at=utcnow() + timedelta(hours=2))
    transitions.accept(reservation, lister)
    transitions.cancel(reservation, lister, "Pallet damaged")
    assert [r["amount"] for r in stripe_fake.refunds] == [4000]


def test_keeping_part_refunds_the_rest_and_never_more_than_was_paid(
    stripe_fake: FakeStripe, paid: Callable[..., Reservation], buyer: User, lister: User
) -> None:
    reservation = paid(100)
    transitions.reduce(reservation, buyer, Decimal(60))
    assert [r["amount"] for r in stripe_fake.refunds] == [1600]  # 40 bricks at 0,40 €
    payment = payment_of(reservation)
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    transitions.decline(reservation, lister, "")
    assert [r["amount"] for r in stripe_fake.refunds] == [1600, 2400]
    payment = payment_of(reservation)
    assert payment.refunded_cents == payment.captured_cents == 4000
    assert payment.status == PaymentStatus.REFUNDED


def test_a_refund_stripe_could_not_take_is_sent_later(
    app: Flask, stripe_fake: FakeStripe, paid: Callable[..., Reservation], lister: User
) -> None:
    reservation = paid()
    stripe_fake.fail_next(500, times=3)  # the call and both of the library's retries
    transitions.decline(reservation, lister, "")
    pending = db.session.scalar(sa.select(Refund))
    assert pending is not None and pending.stripe_refund_id is None
    result = app.test_cli_runner().invoke(args=["payments", "refunds"])
    assert result.output.strip().splitlines()[-1] == "sent 1 refunds"
    assert [r["amount"] for r in stripe_fake.refunds] == [4000]
    keys = {c.headers["Idempotency-Key"] for c in stripe_fake.calls("/v1/refunds")}
    assert keys == {f"refund:{reservation.id}:reservation.declined"}
    assert app.test_cli_runner().invoke(args=["payments", "refunds"]).output.strip() == (
        "sent 0 refunds"
    )


def test_both_parties_see_the_payment_and_its_refund(
    client: Client, new_client: Any, paid: Callable[..., Reservation], lister: User
) -> None:
    reservation = paid()
    transitions.decline(reservation, lister, "")
    for email in ("buyer@example.fi", "lister@example.fi"):
        browser = new_client()
        browser.sign_in(email)
        page = text(
            browser.get(f"/reservations/{reservation.id}", headers={"Accept-Language": "en"})
        )
        assert "Refunded" in page and "€40.00 refunded" in page


def test_organisations_connect_a_stripe_account(
    app: Flask, client: Client, stripe_fake: FakeStripe, make_user: Any, make_organisation: Any
) -> None:
    owner = make_user(email="owner@example.fi")
    shop = make_organisation(owner, verified=True)
    client.sign_in("owner@example.fi")
    response = client.submit(f"/payments/connect/{shop.id}")
    assert response.status_code == 303 and "/onboard?" in response.headers["Location"]
    db.session.rollback()
    account = db.session.get(type(shop), shop.id).stripe_account_id  # type: ignore[union-attr]
    assert account is not None and account in stripe_fake.accounts
    assert stripe_fake.calls("/v1/accounts")[0].headers["Idempotency-Key"] == (f"connect:{shop.id}")
    page = text(
        client.get(f"/payments/connect/{shop.id}/return", headers={"Accept-Language": "en"})
    )
    assert "connected and can take payments" in page
    body, header = stripe_fake.event("account.updated", {"id": account, "charges_enabled": True})
    client.post(
        "/payments/stripe/webhook",
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )
    db.session.rollback()
    assert db.session.get(type(shop), shop.id).stripe_charges_enabled  # type: ignore[union-attr]


def test_only_owners_connect(
    app: Flask, client: Client, make_user: Any, make_organisation: Any
) -> None:
    owner, member = make_user(), make_user(email="member@example.fi")
    shop = make_organisation(owner, members=(member,))
    client.sign_in("member@example.fi")
    assert client.submit(f"/payments/connect/{shop.id}").status_code == 403
