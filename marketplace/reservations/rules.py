"""What every step of a reservation shares: its settings and limits, how a refused input is
reported, and the state a reservation starts in with the deadline of each holding state."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import HELSINKI
from marketplace.errors import ValidationError
from marketplace.models import Listing, Reservation, ReservationStatus

MAX_MESSAGE = 2000
# Worded for pages and API clients alike: the latter have no page to reload.
CHANGED_MEANWHILE = _l(
    "This reservation has changed in the meantime; check its current status and try again."
)


def invalid(message: object, field: str) -> ValidationError:
    return ValidationError(message, field=field)  # type: ignore[arg-type]


def setting(name: str) -> int:
    return int(current_app.config[f"RESERVATIONS_{name}"])


def first_status(listing: Listing) -> ReservationStatus:
    return ReservationStatus.ACCEPTED if listing.auto_accept else ReservationStatus.REQUESTED


def initial_status(listing: Listing, price_cents: int, pay_online: bool) -> ReservationStatus:
    if pay_online and price_cents > 0:
        return ReservationStatus.PENDING_PAYMENT
    return first_status(listing)


def deadline(status: ReservationStatus, now: datetime, pickup_end: datetime) -> datetime:
    if status == ReservationStatus.ACCEPTED:
        return pickup_end
    if status == ReservationStatus.PENDING_PAYMENT:
        hold = timedelta(minutes=setting("PAYMENT_HOLD_MINUTES"))
        return min(now + hold, pickup_end)
    return min(now + timedelta(hours=setting("RESPOND_HOURS")), pickup_end)


def pickup_end(reservation: Reservation) -> datetime:
    if reservation.start_date is not None:
        return datetime.combine(reservation.start_date, time(23, 59), HELSINKI)
    assert reservation.pickup_at is not None
    return reservation.pickup_at + timedelta(hours=setting("PICKUP_WINDOW_HOURS"))
