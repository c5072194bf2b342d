"""Transitions that online payment drives: paid, unpaid, and paid after the hold ended.

They take part in the payment's unit of work (the Stripe event is stored in the same
transaction), so they do not commit.
"""

from __future__ import annotations

from datetime import datetime

from marketplace.extensions import db
from marketplace.models import ListingKind, ListingStatus, Reservation, ReservationStatus, audit
from marketplace.reservations import bookings, codes, reserving, rules, stock, transitions


def mark_paid(reservation: Reservation, now: datetime) -> None:
    """The payment for a held reservation arrived: the request goes to the lister."""
    to = rules.first_status(reservation.listing)
    deadline = rules.deadline(to, now, rules.pickup_end(reservation))
    transitions.move(
        reservation,
        None,
        {ReservationStatus.PENDING_PAYMENT},
        to,
        now,
        expires_at=deadline,
        publish=False,
    )
    db.session.refresh(reservation)
    reserving.announce_request(reservation)


def release_unpaid(reservation: Reservation, now: datetime) -> None:
    """The checkout ended unpaid: the hold ends and the stock or days are free again."""
    transitions.move(
        reservation, None, {ReservationStatus.PENDING_PAYMENT}, ReservationStatus.EXPIRED, now
    )
    stock.release(reservation)


def reinstate(reservation: Reservation, now: datetime) -> Reservation | None:
    """A payment arrived after its hold was released. Hold the same again, as a new
    reservation (the released one stays as it ended), if there is still enough."""
    listing = reservation.listing
    if listing.status != ListingStatus.ACTIVE:
        return None
    if listing.kind == ListingKind.MATERIAL:
        if not stock.try_take(listing, reservation.quantity):
            return None
    else:
        assert reservation.start_date is not None and reservation.end_date is not None
        bookings.lock_listing(listing)
        taken = bookings.booked_units(listing.id, reservation.start_date, reservation.end_date)
        if any(
            units + int(reservation.quantity) > int(listing.quantity_total)
            for units in taken.values()
        ):
            return None
    status = rules.first_status(listing)
    again = Reservation(
        listing=listing,
        requester=reservation.requester,
        status=status,
        quantity=reservation.quantity,
        start_date=reservation.start_date,
        end_date=reservation.end_date,
        pickup_at=reservation.pickup_at,
        message=reservation.message,
        price_cents=reservation.price_cents,
        deposit_cents=reservation.deposit_cents,
        pickup_code=codes.new_pickup_code(),
        idempotency_key=f"reinstated:{reservation.id}",
        requested_at=now,
        accepted_at=now if status == ReservationStatus.ACCEPTED else None,
        expires_at=rules.deadline(status, now, rules.pickup_end(reservation)),
    )
    db.session.add(again)
    db.session.flush()
    audit.record(None, "reservation.reinstated", "reservation", again.id, released=reservation.id)
    reserving.announce_request(again)
    return again
