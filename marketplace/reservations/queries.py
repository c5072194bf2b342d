"""What a requester or a lister sees: one reservation, their lists, a rental's free days."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import today_in_finland
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.listings.access import can_manage
from marketplace.models import Listing, Membership, Reservation, ReservationStatus, User
from marketplace.reservations import bookings


def get_for(reservation_id: int, user: User) -> Reservation:
    reservation = db.session.get(Reservation, reservation_id)
    if reservation is None or not (
        reservation.requester_id == user.id
        or can_manage(reservation.listing, user)
        or user.is_moderator
    ):
        raise NotFound(_l("No such reservation."))
    return reservation


def requested_by(user: User, status: ReservationStatus | None = None) -> list[Reservation]:
    query = sa.select(Reservation).where(Reservation.requester_id == user.id)
    if status is not None:
        query = query.where(Reservation.status == status)
    return list(db.session.scalars(query.order_by(Reservation.id.desc())))


def requests_for(
    user: User, status: ReservationStatus | None = None, organisation_id: int | None = None
) -> list[Reservation]:
    """Reservations on listings the user manages: their own, and their organisations'."""
    organisations = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
    mine = sa.or_(
        sa.and_(Listing.organisation_id.is_(None), Listing.owner_id == user.id),
        Listing.organisation_id.in_(organisations),
    )
    query = sa.select(Reservation).join(Reservation.listing).where(mine)
    if organisation_id is not None:
        query = query.where(Listing.organisation_id == organisation_id)
    if status is not None:
        query = query.where(Reservation.status == status)
    return list(db.session.scalars(query.order_by(Reservation.id.desc())))


def availability(listing: Listing, first: date, days: int) -> list[tuple[date, int]]:
    """Free units of a rental listing on each of `days` days from `first`."""
    last = first + timedelta(days=days - 1)
    taken = bookings.booked_units(listing.id, first, last)
    capacity = int(listing.quantity_total)
    return [
        (
            first + timedelta(days=offset),
            max(capacity - taken.get(first + timedelta(days=offset), 0), 0),
        )
        for offset in range(days)
    ]


def today() -> date:
    return today_in_finland()
