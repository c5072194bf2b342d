"""A suspended account's open reservations end with the suspension: those it asked for and
those on its listings. Each is cancelled through the state machine (the stock or the days
are released, a paid one refunded, partners told by webhook) and the other party is told why,
in their language. Reinstating the account does not bring them back.

Subscribed to `auth.suspension.suspended` by `register_reservations`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import HOLDING, Listing, Reservation, ReservationStatus, User
from marketplace.reservations import notices, stock, transitions

REQUESTER_SUSPENDED = _l("The requester's account has been suspended.")
LISTER_SUSPENDED = _l("The lister's account has been suspended.")


def open_reservations_of(user: User) -> list[Reservation]:
    """Holds the user asked for or that are on their listings, locked against expiry and
    payment outcomes until the suspension commits (PostgreSQL; on SQLite the writing
    transaction already holds the database)."""
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .join(Listing, Reservation.listing_id == Listing.id)
            .where(
                Reservation.status.in_(HOLDING),
                sa.or_(Reservation.requester_id == user.id, Listing.owner_id == user.id),
            )
            .order_by(Reservation.id)
            .with_for_update(of=Reservation)
        )
    )


def _reason_for(reader: User, requester_suspended: bool) -> str:
    # Stored on the reservation and in the notice as text: it is written for the party who
    # reads it, in their language.
    with force_locale(str(reader.locale)):
        return str(REQUESTER_SUSPENDED if requester_suspended else LISTER_SUSPENDED)


def cancel_open(user: User, actor: User | None, now: datetime | None = None) -> list[int]:
    """Cancel the suspended user's open reservations; returns their ids. Does not commit:
    the suspension does."""
    now = now or utcnow()
    cancelled = []
    for reservation in open_reservations_of(user):
        requester_suspended = reservation.requester_id == user.id
        other = notices.lister(reservation) if requester_suspended else reservation.requester
        reason = _reason_for(other, requester_suspended)
        transitions.move(reservation, actor, HOLDING, ReservationStatus.CANCELLED, now, reason)
        stock.release(reservation)
        notifications.notify(other, "cancelled", reservation, reason=reason)
        cancelled.append(reservation.id)
    return cancelled


def on_account_suspended(user: User, actor: User | None = None, **_extra: Any) -> list[int]:
    return cancel_open(user, actor)
