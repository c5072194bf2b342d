"""Bookings of rental equipment for a range of days, pick-up and return day included.

A booking locks the listing's row (SQLite's BEGIN IMMEDIATE holds the database) before it
counts the units already booked on each day, so parallel bookings cannot overbook a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import HELSINKI, utcnow
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.models import OCCUPYING, Listing, ListingKind, Reservation, User
from marketplace.reservations import pricing, reserving, rules

MAX_BOOKING_DAYS = 365


@dataclass(frozen=True)
class BookingRequest:
    start: date
    end: date
    units: int
    message: str = ""
    idempotency_key: str | None = None
    pay_online: bool = False


def _check_period(listing: Listing, request: BookingRequest, today: date) -> None:
    if request.end < request.start:
        raise rules.invalid(_l("The return day cannot be before the pick-up day."), "end")
    if request.start < today:
        raise rules.invalid(_l("Choose a pick-up day from today on."), "start")
    days = (request.end - request.start).days + 1
    if days > MAX_BOOKING_DAYS:
        raise rules.invalid(_l("Book at most a year at a time."), "end")
    minimum = listing.min_rental_days or 1
    if days < minimum:
        raise rules.invalid(
            _l(
                "The minimum hire is %(days)d days; both the pick-up and the return day count.",
                days=minimum,
            ),
            "end",
        )
    until = listing.available_until
    if request.start < listing.available_from or (until is not None and request.end > until):
        raise rules.invalid(_l("The equipment is not available for all of those days."), "start")


def _check_units(listing: Listing, units: int) -> None:
    if not 1 <= units <= int(listing.quantity_total):
        raise rules.invalid(
            _l("Choose 1 to %(count)d units.", count=int(listing.quantity_total)), "units"
        )


def booked_units(
    listing_id: int, first: date, last: date, excluding: int | None = None
) -> dict[date, int]:
    """Units taken on each day of [first, last] by bookings that occupy days."""
    query = sa.select(Reservation.start_date, Reservation.end_date, Reservation.quantity).where(
        Reservation.listing_id == listing_id,
        Reservation.status.in_(OCCUPYING),
        Reservation.start_date <= last,
        Reservation.end_date >= first,
    )
    if excluding is not None:
        query = query.where(Reservation.id != excluding)
    taken: dict[date, int] = {}
    for start, end, units in db.session.execute(query):
        if start is None or end is None:  # bookings always have both; the types cannot say
            continue
        day = max(start, first)
        while day <= min(end, last):
            taken[day] = taken.get(day, 0) + int(units)
            day += timedelta(days=1)
    return taken


def lock_listing(listing: Listing) -> None:
    # PostgreSQL serialises bookings of one listing on its row; SQLite ignores FOR UPDATE
    # but already holds the whole database from BEGIN IMMEDIATE.
    db.session.execute(sa.select(Listing.id).where(Listing.id == listing.id).with_for_update())


def _check_free(listing: Listing, request: BookingRequest) -> None:
    taken = booked_units(listing.id, request.start, request.end)
    capacity = int(listing.quantity_total)
    for day, units in sorted(taken.items()):
        if units + request.units > capacity:
            free = capacity - units
            raise Conflict(
                _l(
                    "Only %(free)d units are free on %(day)s.",
                    free=max(free, 0),
                    day=format_date(day, "medium"),
                ),
                field="start",
            )


def book_equipment(
    requester: User, listing: Listing, request: BookingRequest, now: datetime | None = None
) -> Reservation:
    now = now or utcnow()
    existing = reserving.by_idempotency_key(requester, request.idempotency_key)
    if existing is not None:
        return existing
    reserving.check_reservable(listing, requester, ListingKind.EQUIPMENT)
    _check_units(listing, request.units)
    _check_period(listing, request, now.astimezone(HELSINKI).date())
    message = reserving.check_message(request.message)
    lock_listing(listing)
    _check_free(listing, request)
    days = (request.end - request.start).days + 1
    price = pricing.booking_price_cents(listing, days, request.units)
    status = rules.initial_status(listing, price, request.pay_online)
    pickup_end = datetime.combine(request.start, time(23, 59), HELSINKI)
    return reserving.save_new(
        listing,
        requester,
        now,
        take=None,
        status=status,
        quantity=Decimal(request.units),
        start_date=request.start,
        end_date=request.end,
        pickup_at=datetime.combine(request.start, time(8, 0), HELSINKI),
        message=message,
        price_cents=price,
        deposit_cents=listing.deposit_cents,
        idempotency_key=request.idempotency_key,
        expires_at=rules.deadline(status, now, pickup_end),
    )
