"""Paying for reservations through Stripe Checkout: charged once, never lost, refunded right.

- A paid reservation is held in pending_payment while its Checkout Session is open.
- The webhook and the buyer's return to the site share `fulfil`, which moves a payment to
  paid with a compare-and-set, so whichever comes first wins and the other changes nothing.
- Every webhook event is stored under its id in the same transaction as its effect.
- Refunds are rows first (with a deterministic idempotency key), sent to Stripe after commit,
  and retried by `flask payments refunds` until Stripe has them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from marketplace.core.clock import utcnow
from marketplace.database import after_commit
from marketplace.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.models import (
    Organisation,
    Payment,
    PaymentStatus,
    Refund,
    Reservation,
    ReservationStatus,
    StripeEvent,
    User,
    audit,
)
from marketplace.payments.gateway import (
    CheckoutSession,
    GatewayError,
    StripeEventData,
    StripeGateway,
    gateway,
)
from marketplace.reservations import events, payment_outcomes
from marketplace.web.links import external_url

logger = logging.getLogger(__name__)

PAID_STATES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
RELEASED = (ReservationStatus.EXPIRED, ReservationStatus.CANCELLED, ReservationStatus.DECLINED)
# Stripe accepts a Checkout Session expiry 30 minutes to 24 hours ahead.
SESSION_MINUTES = 31


def enabled() -> bool:
    return gateway() is not None


def _gateway() -> StripeGateway:
    found = gateway()
    if found is None:
        raise Conflict(_l("Online payment is not in use; pay at pickup."))
    return found


def latest_payment(reservation: Reservation) -> Payment | None:
    return db.session.scalar(
        sa.select(Payment)
        .where(Payment.reservation_id == reservation.id)
        .order_by(Payment.attempt.desc())
        .limit(1)
    )


def _fee(amount_cents: int) -> int:
    percent = Decimal(current_app.config["STRIPE_PLATFORM_FEE_PERCENT"])
    return int((amount_cents * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _destination(reservation: Reservation) -> str | None:
    """Verified organisations with a connected account are paid out directly (destination
    charges); residents selling without one are paid at pickup, so they never reach checkout."""
    organisation = reservation.listing.organisation
    if organisation is not None and organisation.verified and organisation.stripe_charges_enabled:
        return organisation.stripe_account_id
    return None


def start_checkout(reservation: Reservation, actor: User) -> Payment:
    """A Checkout Session for a held reservation (or the open one it already has)."""
    if reservation.requester_id != actor.id:
        raise NotFound(_l("No such reservation."))
    if reservation.status != ReservationStatus.PENDING_PAYMENT:
        raise Conflict(_l("This reservation does not wait for a payment."))
    current = latest_payment(reservation)
    if current is not None and current.status == PaymentStatus.OPEN and current.checkout_url:
        return current
    attempt = current.attempt + 1 if current is not None else 1
    destination = _destination(reservation)
    payment = Payment(
        reservation=reservation,
        attempt=attempt,
        amount_cents=reservation.price_cents,
        destination_account=destination,
        platform_fee_cents=_fee(reservation.price_cents) if destination else None,
    )
    db.session.add(payment)
    db.session.commit()  # the attempt is on record before Stripe hears of it
    return _create_session(payment, actor)


def _create_session(payment: Payment, actor: User) -> Payment:
    reservation = payment.reservation
    try:
        session = _gateway().create_checkout_session(
            reference=str(reservation.id),
            amount_cents=payment.amount_cents,
            description=reservation.listing.title,
            email=actor.email,
            success_url=external_url("payments.returned", reservation_id=reservation.id)
            + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=external_url("payments.cancelled", reservation_id=reservation.id),
            expires_at=utcnow() + timedelta(minutes=SESSION_MINUTES),
            idempotency_key=f"checkout:{reservation.id}:{payment.attempt}",
            destination=payment.destination_account,
            fee_cents=payment.platform_fee_cents,
        )
    except GatewayError as error:
        payment.status = PaymentStatus.FAILED
        payment.error = error.message[:500]
        db.session.commit()
        raise Conflict(
            _l(
                "The payment could not be started: %(reason)s Try again in a moment.",
                reason=error.message,
            )
        ) from error
    payment.checkout_session_id = session.id
    payment.checkout_url = session.url
    db.session.commit()
    return payment


def _by_session(session_id: str) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.checkout_session_id == session_id))


def _claim_paid(payment: Payment, session: CheckoutSession, now: datetime) -> bool:
    claimed = db.session.execute(
        sa.update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.status.in_([PaymentStatus.OPEN, PaymentStatus.EXPIRED, PaymentStatus.FAILED]),
        )
        .values(
            status=PaymentStatus.PAID,
            captured_cents=payment.amount_cents,
            payment_intent_id=session.payment_intent,
            paid_at=now,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(payment)
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def fulfil(session: CheckoutSession, now: datetime | None = None) -> str:
    """Move a paid session's reservation on. Idempotent; part of the caller's transaction."""
    now = now or utcnow()
    payment = _by_session(session.id)
    if payment is None:
        return "unknown session"
    if session.payment_status not in ("paid", "no_payment_required"):
        return "awaiting an asynchronous payment"
    if not _claim_paid(payment, session, now):
        return "already fulfilled"
    reservation = payment.reservation
    db.session.refresh(reservation)
    outcome = "paid"
    if reservation.status == ReservationStatus.PENDING_PAYMENT:
        payment_outcomes.mark_paid(reservation, now)
    elif reservation.status in RELEASED:
        outcome = _late_payment(payment, reservation, now)
    audit.record(
        None,
        "payment.succeeded",
        "reservation",
        reservation.id,
        payment=payment.id,
        outcome=outcome,
    )
    events.publish(
        reservation, events.PAYMENT_SUCCEEDED, details={"amount_cents": payment.amount_cents}
    )
    return outcome


def _late_payment(payment: Payment, released: Reservation, now: datetime) -> str:
    """Never keep money for nothing: hold the goods again, or give the money back."""
    again = payment_outcomes.reinstate(released, now)
    if again is not None:
        payment.reservation_id = again.id
        return f"paid after the hold ended; reinstated as reservation {again.id}"
    _refund(
        payment,
        payment.amount_cents,
        f"late:{payment.id}",
        "paid after the hold ended and nothing was left",
    )
    return "paid after the hold ended; refunded in full"


def checkout_ended(session: CheckoutSession, failed: bool, now: datetime | None = None) -> str:
    """The session expired, or its delayed payment failed: release the hold."""
    now = now or utcnow()
    payment = _by_session(session.id)
    if payment is None:
        return "unknown session"
    ended = PaymentStatus.FAILED if failed else PaymentStatus.EXPIRED
    changed = db.session.execute(
        sa.update(Payment)
        .where(Payment.id == payment.id, Payment.status == PaymentStatus.OPEN)
        .values(status=ended)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(payment)
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return "already settled"
    reservation = payment.reservation
    db.session.refresh(reservation)
    if reservation.status == ReservationStatus.PENDING_PAYMENT:
        payment_outcomes.release_unpaid(reservation, now)
        return "hold released"
    return f"session {ended.value}"


# Webhooks


HANDLERS = {
    "checkout.session.completed": lambda session: fulfil(session),
    "checkout.session.async_payment_succeeded": lambda session: fulfil(session),
    "checkout.session.async_payment_failed": lambda session: checkout_ended(session, True),
    "checkout.session.expired": lambda session: checkout_ended(session, False),
}


def handle_event(event: StripeEventData) -> str:
    """Apply a verified event once: its id is stored with its effect, in one transaction."""
    record = StripeEvent(id=event.id, type=event.type)
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    if event.type in HANDLERS:
        session = _session_of(event.object)
        record.outcome = HANDLERS[event.type](session)
        payment = _by_session(session.id)
        record.reservation_id = payment.reservation_id if payment else None
    elif event.type == "account.updated":
        record.outcome = _account_updated(event.object)
    else:
        record.outcome = "ignored"
    db.session.commit()
    return record.outcome


def _session_of(data: dict[str, Any]) -> CheckoutSession:
    intent = data.get("payment_intent")
    return CheckoutSession(
        id=str(data["id"]),
        url=data.get("url"),
        status=str(data.get("status") or ""),
        payment_status=str(data.get("payment_status") or ""),
        payment_intent=intent if isinstance(intent, str) or intent is None else intent["id"],
        amount_total=int(data.get("amount_total") or 0),
        client_reference_id=data.get("client_reference_id"),
    )


def _account_updated(data: dict[str, Any]) -> str:
    organisation = db.session.scalar(
        sa.select(Organisation).where(Organisation.stripe_account_id == data.get("id"))
    )
    if organisation is None:
        return "unknown account"
    organisation.stripe_charges_enabled = bool(data.get("charges_enabled"))
    return f"organisation {organisation.id} charges_enabled={organisation.stripe_charges_enabled}"


def return_from_checkout(reservation: Reservation, user: User, session_id: str) -> str:
    """The buyer is back from Stripe: settle the payment now if Stripe says it is paid, so
    that the page can tell the truth without waiting for the webhook."""
    if reservation.requester_id != user.id:
        raise NotFound(_l("No such reservation."))
    payment = _by_session(session_id)
    if payment is None or payment.reservation_id != reservation.id:
        return "unknown session"
    try:
        session = _gateway().retrieve_checkout_session(session_id)
    except GatewayError:
        return "being confirmed"
    outcome = fulfil(session)
    db.session.commit()
    return outcome


# Refunds


def _refund(payment: Payment, amount_cents: int, key: str, reason: str) -> Refund | None:
    """Record a refund in the current transaction; it goes to Stripe after commit."""
    amount = min(amount_cents, payment.captured_cents - payment.refunded_cents)
    if amount <= 0:
        return None
    refund = Refund(
        payment=payment, amount_cents=amount, idempotency_key=f"refund:{key}", reason=reason[:200]
    )
    db.session.add(refund)
    payment.refunded_cents = payment.refunded_cents + amount
    payment.status = (
        PaymentStatus.REFUNDED
        if payment.refunded_cents >= payment.captured_cents
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(db.session, lambda: _send_refunds_in(app), key="refunds")
    events.publish(payment.reservation, events.PAYMENT_REFUNDED, details={"amount_cents": amount})
    return refund


def _send_refunds_in(app: Any) -> None:
    with app.app_context():
        send_pending_refunds()


def send_pending_refunds() -> int:
    """Send recorded refunds Stripe has not confirmed yet. Safe to repeat: each has its own
    idempotency key, so Stripe refunds it once however often it is sent."""
    found = gateway()
    if found is None:
        return 0
    pending = db.session.scalars(
        sa.select(Refund).where(Refund.stripe_refund_id.is_(None)).order_by(Refund.id)
    ).all()
    sent = 0
    for refund in pending:
        intent = refund.payment.payment_intent_id
        if intent is None:
            continue
        try:
            refund.stripe_refund_id = found.refund(
                payment_intent=intent,
                amount_cents=refund.amount_cents,
                idempotency_key=refund.idempotency_key,
                reverse_transfer=refund.payment.destination_account is not None,
            )
        except GatewayError as error:
            logger.warning("refund %s not sent yet: %s", refund.id, error.message)
            continue
        db.session.commit()
        sent += 1
    return sent


def _within_free_cancellation(reservation: Reservation, now: datetime) -> bool:
    if reservation.pickup_at is None:
        return True
    hours = reservation.listing.free_cancellation_hours
    return reservation.pickup_at - now >= timedelta(hours=hours)


def _paid_payment(reservation: Reservation) -> Payment | None:
    return db.session.scalar(
        sa.select(Payment).where(
            Payment.reservation_id == reservation.id, Payment.status.in_(PAID_STATES)
        )
    )


def _on_reservation_event(
    reservation: Reservation, event: str, actor_id: int | None, details: dict[str, Any]
) -> None:
    if event == events.EXPIRED:
        _expire_open_session(reservation)
        return
    if event not in (events.DECLINED, events.CANCELLED, events.REDUCED):
        return
    payment = _paid_payment(reservation)
    if payment is None:
        return
    if event == events.REDUCED:
        _refund(
            payment,
            int(details["refund_cents"]),
            f"{reservation.id}:reduced:{details['quantity']}",
            "part of the reservation cancelled",
        )
    elif (
        event == events.DECLINED
        or actor_id != reservation.requester_id
        or (_within_free_cancellation(reservation, utcnow()))
    ):
        _refund(payment, payment.captured_cents, f"{reservation.id}:{event}", event)


def _expire_open_session(reservation: Reservation) -> None:
    """When a hold ends, close its checkout too, so the buyer is not charged for nothing."""
    payment = latest_payment(reservation)
    found = gateway()
    if found is None or payment is None or payment.status != PaymentStatus.OPEN:
        return
    session_id = payment.checkout_session_id
    if session_id is None:
        return

    def expire() -> None:
        try:
            found.expire_checkout_session(session_id)
        except GatewayError as error:  # a payment that still arrives is refunded or reinstated
            logger.info("could not expire checkout %s: %s", session_id, error.message)

    after_commit(db.session, expire)


def register_payment_events() -> None:
    events.reservation_event.connect(_on_reservation_event)


# Pages


def payments_of(reservation: Reservation) -> list[Payment]:
    return list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.reservation_id == reservation.id)
            .order_by(Payment.attempt)
        )
    )


def recent_payments(limit: int = 200) -> list[Payment]:
    return list(db.session.scalars(sa.select(Payment).order_by(Payment.id.desc()).limit(limit)))


def notable_events(limit: int = 200) -> list[StripeEvent]:
    """Events that did something unusual: late payments, refunds, unknown sessions."""
    usual = ("paid", "hold released", "duplicate", "ignored", "already fulfilled")
    return list(
        db.session.scalars(
            sa.select(StripeEvent)
            .where(StripeEvent.outcome.not_in(usual))
            .order_by(StripeEvent.received_at.desc())
            .limit(limit)
        )
    )
