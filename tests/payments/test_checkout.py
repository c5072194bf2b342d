from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import (
    Listing,
    Notification,
    Payment,
    PaymentStatus,
    Reservation,
    ReservationStatus,
    User,
)
from marketplace.payments import services
from marketplace.payments.gateway import API_VERSION
from marketplace.reservations import expiry, materials
from tests.payments.fake_stripe import FakeStripe
from tests.support import Client, text


def fresh(reservation: Reservation) -> Reservation:
    db.session.rollback()  # a new snapshot: other threads may have committed since
    found = db.session.get(Reservation, reservation.id)
    assert found is not None
    return found


def available(listing: Listing) -> Decimal:
    db.session.rollback()
    return db.session.get(Listing, listing.id).quantity_available  # type: ignore[union-attr]


def test_reserving_a_paid_listing_goes_to_stripe_checkout(
    app: Flask, client: Client, stripe_fake: FakeStripe, paid_bricks: Listing, buyer: User
) -> None:
    client.sign_in("buyer@example.fi")
    tomorrow = (paid_bricks.available_from + timedelta(days=1)).isoformat()
    response = client.submit(
        f"/reservations/new/{paid_bricks.id}",
        {"quantity": "100", "pickup_date": tomorrow, "pickup_time": "16:00"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{stripe_fake.base}/pay/cs_test_")
    reservation = db.session.scalar(sa.select(Reservation))
    assert reservation is not None and reservation.status == ReservationStatus.PENDING_PAYMENT
    assert available(paid_bricks) == 400  # held while the buyer pays
    [call] = stripe_fake.calls("/v1/checkout/sessions")
    form = call.form
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "4000"  # integer cents
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["client_reference_id"] == str(reservation.id)
    assert form["customer_email"] == "buyer@example.fi"
    assert form["success_url"].endswith(
        f"/payments/checkout/{reservation.id}/return?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert form["cancel_url"].endswith(f"/payments/checkout/{reservation.id}/cancelled")
    assert 30 * 60 < int(form["expires_at"]) - time.time() < 32 * 60
    assert call.headers["Idempotency-Key"] == f"checkout:{reservation.id}:1"
    assert call.headers["Stripe-Version"] == API_VERSION
    assert "payment_intent_data[transfer_data][destination]" not in form
    # The lister hears of it only once it is paid.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_organisations_with_connect_are_paid_out_directly(
    app: Flask,
    stripe_fake: FakeStripe,
    make_user: Any,
    make_organisation: Any,
    make_site: Any,
    make_listing: Any,
    buyer: User,
) -> None:
    from marketplace.reservations.materials import MaterialRequest
    from tests.reservations.conftest import tomorrow_at

    owner = make_user()
    shop = make_organisation(owner, verified=True)
    shop.stripe_account_id, shop.stripe_charges_enabled = "acct_test_shop", True
    db.session.commit()
    listing = make_listing(
        owner=owner,
        site=make_site(owner, shop),
        price_model="per_lot",
        price_cents=20000,
        quantity=Decimal(1),
    )
    reservation = materials.reserve_material(
        buyer, listing, MaterialRequest(Decimal(1), tomorrow_at(), pay_online=True)
    )
    services.start_checkout(reservation, buyer)
    form = stripe_fake.calls("/v1/checkout/sessions")[0].form
    assert form["payment_intent_data[transfer_data][destination]"] == "acct_test_shop"
    assert form["payment_intent_data[application_fee_amount]"] == "1000"  # 5 % of 200 €


def test_a_server_error_is_retried_with_the_same_key(
    app: Flask, stripe_fake: FakeStripe, held: Callable[..., Reservation], buyer: User
) -> None:
    stripe_fake.fail_next(500)
    reservation = held()
    payment = services.start_checkout(reservation, buyer)
    assert payment.checkout_url is not None
    calls = stripe_fake.calls("/v1/checkout/sessions")
    assert len(calls) == 2
    assert {c.headers["Idempotency-Key"] for c in calls} == {f"checkout:{reservation.id}:1"}


def test_a_refusal_leaves_the_reservation_held_with_a_clear_message(
    app: Flask, client: Client, stripe_fake: FakeStripe, paid_bricks: Listing, buyer: User
) -> None:
    client.sign_in("buyer@example.fi")
    stripe_fake.fail_next(400, "Amount must be at least 0,50 €")
    tomorrow = (paid_bricks.available_from + timedelta(days=1)).isoformat()
    response = client.submit(
        f"/reservations/new/{paid_bricks.id}",
        {"quantity": "100", "pickup_date": tomorrow, "pickup_time": "16:00"},
    )
    reservation = db.session.scalar(sa.select(Reservation))
    assert reservation is not None
    assert response.headers["Location"] == f"/reservations/{reservation.id}"
    page = text(client.get(response.headers["Location"], headers={"Accept-Language": "en"}))
    assert "Amount must be at least 0,50 €" in page and "Pay now" in page
    assert fresh(reservation).status == ReservationStatus.PENDING_PAYMENT
    failed = db.session.scalar(sa.select(Payment))
    assert failed is not None and failed.status == PaymentStatus.FAILED
    again = client.submit(f"/payments/checkout/{reservation.id}")
    assert again.status_code == 303
    assert stripe_fake.calls("/v1/checkout/sessions")[-1].headers["Idempotency-Key"] == (
        f"checkout:{reservation.id}:2"
    )


def test_the_return_from_stripe_settles_the_payment_without_waiting(
    app: Flask,
    client: Client,
    stripe_fake: FakeStripe,
    held: Callable[..., Reservation],
    buyer: User,
    lister: User,
) -> None:
    reservation = held()
    payment = services.start_checkout(reservation, buyer)
    assert payment.checkout_session_id is not None
    client.sign_in("buyer@example.fi")
    unpaid = client.get(
        f"/payments/checkout/{reservation.id}/return?session_id={payment.checkout_session_id}",
        headers={"Accept-Language": "en"},
    )
    assert fresh(reservation).status == ReservationStatus.PENDING_PAYMENT
    assert "being confirmed" in text(
        client.get(unpaid.headers["Location"], headers={"Accept-Language": "en"})
    )
    stripe_fake.pay(payment.checkout_session_id)
    paid = client.get(
        f"/payments/checkout/{reservation.id}/return?session_id={payment.checkout_session_id}"
    )
    assert paid.status_code == 302
    assert fresh(reservation).status == ReservationStatus.REQUESTED
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == lister.id)
    ).all()
    assert kinds == ["new_request"]


def test_nobody_else_pays_or_returns_for_a_reservation(
    app: Flask, client: Client, held: Callable[..., Reservation], make_user: Any
) -> None:
    reservation = held()
    make_user(email="other@example.fi")
    client.sign_in("other@example.fi")
    assert client.submit(f"/payments/checkout/{reservation.id}").status_code == 404
    assert client.get(f"/payments/checkout/{reservation.id}/return?session_id=x").status_code == 404


def test_an_unpaid_hold_expires_and_its_checkout_is_closed(
    app: Flask,
    stripe_fake: FakeStripe,
    held: Callable[..., Reservation],
    buyer: User,
    paid_bricks: Listing,
) -> None:
    reservation = held()
    payment = services.start_checkout(reservation, buyer)
    assert expiry.expire_due(reservation.expires_at) == 1  # type: ignore[arg-type]
    assert available(paid_bricks) == 500
    assert stripe_fake.sessions[payment.checkout_session_id]["status"] == "expired"  # type: ignore[index]


def test_without_stripe_paid_listings_are_paid_at_pickup(
    app: Flask, client: Client, paid_bricks: Listing, buyer: User
) -> None:
    app.extensions.pop("stripe_gateway")
    client.sign_in("buyer@example.fi")
    tomorrow = (paid_bricks.available_from + timedelta(days=1)).isoformat()
    page = text(client.get(f"/listings/{paid_bricks.id}", headers={"Accept-Language": "en"}))
    assert "You pay the lister at pickup." in page
    response = client.submit(
        f"/reservations/new/{paid_bricks.id}",
        {"quantity": "10", "pickup_date": tomorrow, "pickup_time": "16:00"},
    )
    assert response.status_code == 302
    reservation = db.session.scalar(sa.select(Reservation))
    assert reservation is not None and reservation.status == ReservationStatus.REQUESTED
    assert reservation.price_cents == 400
    assert "paid at pickup" in text(
        client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    )


@pytest.mark.parametrize("admin", [True, False])
def test_the_payments_page_is_for_administrators(
    app: Flask,
    client: Client,
    make_user: Any,
    held: Callable[..., Reservation],
    buyer: User,
    admin: bool,
) -> None:
    from marketplace.models import Role

    services.start_checkout(held(), buyer)
    make_user(email="staff@example.fi", role=Role.ADMIN if admin else Role.MEMBER)
    client.sign_in("staff@example.fi")
    response = client.get("/payments/admin", headers={"Accept-Language": "en"})
    assert response.status_code == (200 if admin else 403)
    if admin:
        assert "Waiting for payment" in text(response)
