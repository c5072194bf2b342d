from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.database import created_at, intpk, updated_at
from marketplace.models.base import Model

if TYPE_CHECKING:
    from marketplace.models.reservation import Reservation


class PaymentStatus(StrEnum):
    OPEN = "open"  # a Checkout Session waits for the buyer
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"  # the session ended unpaid
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class Payment(Model):
    """One attempt to pay for a reservation through a Stripe Checkout Session."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.UniqueConstraint("reservation_id", "attempt", name="one_per_attempt"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("refunded_cents <= captured_cents", name="refunds_within_capture"),
        sa.CheckConstraint("captured_cents <= amount_cents", name="capture_within_amount"),
    )

    id: Mapped[intpk]
    reservation_id: Mapped[int] = mapped_column(sa.ForeignKey("reservations.id"), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    status: Mapped[PaymentStatus] = mapped_column(default=PaymentStatus.OPEN)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="eur")
    captured_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    platform_fee_cents: Mapped[int | None]
    destination_account: Mapped[str | None] = mapped_column(sa.String(255))
    checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(sa.String(2000))
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    receipt_url: Mapped[str | None] = mapped_column(sa.String(2000))
    error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    paid_at: Mapped[datetime | None]

    reservation: Mapped[Reservation] = relationship()
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")

    @property
    def refundable_cents(self) -> int:
        return self.captured_cents - self.refunded_cents


class Refund(Model):
    __tablename__ = "refunds"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[intpk]
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    amount_cents: Mapped[int]
    # Deterministic, so that a retried refund (a job run again) never refunds twice.
    idempotency_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[created_at]

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class StripeEvent(Model):
    """A webhook event Stripe sent, stored in the same transaction as its effect: an event
    seen again is recognised by its id and has no second effect."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    reservation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reservations.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(200), default="")
    received_at: Mapped[created_at]
