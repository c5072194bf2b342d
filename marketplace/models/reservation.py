from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.database import ScaledDecimal, created_at, intpk, updated_at
from marketplace.models.base import Model

if TYPE_CHECKING:
    from marketplace.models.listing import Listing
    from marketplace.models.user import User


class ReservationStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# Holding states keep stock (or days) for the requester. A completed reservation keeps them
# for good: the material was handed over, the rented equipment is out until its last day.
HOLDING = frozenset(
    {ReservationStatus.PENDING_PAYMENT, ReservationStatus.REQUESTED, ReservationStatus.ACCEPTED}
)
OCCUPYING = HOLDING | {ReservationStatus.COMPLETED}


class Reservation(Model):
    """A request for part of a material listing's quantity, or a booking of rental units for a
    date range (both the pick-up and the return day count)."""

    __tablename__ = "reservations"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "end_date IS NULL OR (start_date IS NOT NULL AND end_date >= start_date)",
            name="period_order",
        ),
        sa.CheckConstraint("price_cents >= 0", name="price"),
        sa.UniqueConstraint("requester_id", "idempotency_key", name="one_per_key"),
        sa.Index("ix_reservations_listing_status", "listing_id", "status"),
        sa.Index("ix_reservations_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[intpk]
    # Found by listing through ix_reservations_listing_status, whose first column it is.
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"))
    # Found by requester through one_per_key, whose first column it is.
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[ReservationStatus]
    quantity: Mapped[Decimal]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    pickup_at: Mapped[datetime | None]
    message: Mapped[str] = mapped_column(sa.Text, default="")
    # What was agreed, as it was when the reservation was made.
    price_cents: Mapped[int] = mapped_column(default=0)
    deposit_cents: Mapped[int | None]
    pickup_code: Mapped[str] = mapped_column(sa.String(8))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # The impact at handover, with the factor and its source as they were at that moment.
    mass_kg: Mapped[Decimal | None]
    co2e_kg: Mapped[Decimal | None]
    emission_factor: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4))
    emission_factor_source: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    requested_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    listing: Mapped[Listing] = relationship()
    requester: Mapped[User] = relationship()
    events: Mapped[list[ReservationEvent]] = relationship(
        back_populates="reservation",
        order_by="ReservationEvent.id",
        cascade="all, delete-orphan",
    )

    @property
    def holding(self) -> bool:
        return self.status in HOLDING

    @property
    def initial_status(self) -> ReservationStatus:
        """How the reservation began: held for payment, or straight as a request."""
        paid_first = any(
            event.from_status == ReservationStatus.PENDING_PAYMENT for event in self.events
        )
        if paid_first or self.status == ReservationStatus.PENDING_PAYMENT:
            return ReservationStatus.PENDING_PAYMENT
        return ReservationStatus.REQUESTED

    @property
    def days(self) -> int:
        if self.start_date is None or self.end_date is None:
            return 0
        return (self.end_date - self.start_date).days + 1

    def __repr__(self) -> str:
        return f"<Reservation {self.id} {self.status}>"


class EventKind(StrEnum):
    TRANSITION = "transition"
    MESSAGE = "message"


class ReservationEvent(Model):
    """The reservation's timeline: every transition with its actor, and the parties' messages."""

    __tablename__ = "reservation_events"

    id: Mapped[intpk]
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[EventKind]
    from_status: Mapped[ReservationStatus | None]
    to_status: Mapped[ReservationStatus | None]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[created_at]

    reservation: Mapped[Reservation] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Notification(Model):
    """Something a user must act on or know of, listed in the app and also e-mailed."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        sa.Index("ix_notifications_unsent", "emailed_at", "email_attempts"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    reservation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None]
    # The row is also the e-mail's outbox entry: sent once committed, retried until it goes.
    emailed_at: Mapped[datetime | None]
    # When the lease of the sender holding the e-mail began (`mail.leases`); after a failed
    # attempt, set so that the lease runs out when the next attempt is due.
    email_claimed_at: Mapped[datetime | None]
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_error: Mapped[str | None] = mapped_column(sa.String(300))

    user: Mapped[User] = relationship()
    reservation: Mapped[Reservation | None] = relationship()
