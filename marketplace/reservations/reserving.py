"""What material reservations and equipment bookings share when they are made: the checks
of who may reserve what, the idempotency key, and the save through the fast write path
(`creation`), which hands the new row back as a session object without reading it again."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.database import commit_keeping_loaded
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.listings.access import can_manage
from marketplace.mail import notifications
from marketplace.models import (
    Listing,
    ListingKind,
    ListingStatus,
    Reservation,
    ReservationStatus,
    User,
    audit,
)
from marketplace.reservations import codes, creation, events, notices, rules, stock, transitions


def check_reservable(listing: Listing, requester: User, kind: ListingKind) -> None:
    if listing.kind != kind or listing.status != ListingStatus.ACTIVE:
        raise Conflict(_l("This listing cannot be reserved now."))
    # A suspended lister's listings are out of search; a link kept from before leads nowhere.
    if listing.owner.is_suspended():
        raise Conflict(_l("This listing cannot be reserved now."))
    if can_manage(listing, requester):
        raise rules.invalid(_l("You cannot reserve your own listing."), "quantity")


def check_message(message: str) -> str:
    if len(message) > rules.MAX_MESSAGE:
        raise rules.invalid(_l("Keep the message under 2000 characters."), "message")
    return message.strip()


def by_idempotency_key(requester: User, key: str | None) -> Reservation | None:
    if not key:
        return None
    return db.session.scalar(
        sa.select(Reservation).where(
            Reservation.requester_id == requester.id, Reservation.idempotency_key == key
        )
    )


_NEW_RESERVATION = sa.inspect(Reservation).class_manager.new_instance
# None on the object, as in the row, so that reading them does not go back to the database.
_EMPTY_AT_FIRST = dict.fromkeys(creation.EMPTY_AT_FIRST)


def _as_written(row: dict[str, Any], listing: Listing, requester: User) -> Reservation:
    """The reservation as the ORM would load it after the write, without reading it back.

    Made the way the ORM makes loaded objects (no constructor, values as committed): the
    constructor's change tracking and backref events cost more than the row's own INSERT,
    and nothing here is a change to flush."""
    reservation = _NEW_RESERVATION()
    reservation.__dict__.update(row, listing=listing, requester=requester)
    reservation.__dict__.update(_EMPTY_AT_FIRST)
    set_committed_value(reservation, "events", [])
    return reservation


def save_new(
    listing: Listing, requester: User, now: datetime, take: Decimal | None, **fields: Any
) -> Reservation:
    """Write the reservation with `creation.write` (one statement on PostgreSQL) rather than
    an ORM flush, then hand the row back as a session object without reading it again."""
    status = fields["status"]
    accepted = status == ReservationStatus.ACCEPTED
    row = {
        **fields,
        "listing_id": listing.id,
        "requester_id": requester.id,
        "pickup_code": codes.new_pickup_code(),
        "reason": "",
        "requested_at": now,
        "accepted_at": now if accepted else None,
        "created_at": now,
        "updated_at": now,
    }
    reservation = _as_written(row, listing, requester)
    announce = status != ReservationStatus.PENDING_PAYMENT
    new = creation.NewReservation(
        row=row,
        take=take,
        notice=notices.creation_notice(reservation) if announce else None,
        entry=audit.entry(
            requester,
            "reservation.created",
            "reservation",
            None,
            listing=listing.id,
            status=str(status),
        ),
    )
    session = db.session()  # looked up once: each lookup through the scoped proxy costs
    try:
        written = creation.write(new)
    except IntegrityError:
        session.rollback()
        existing = by_idempotency_key(requester, fields["idempotency_key"])
        if existing is None:
            raise
        return existing
    if written is None:
        session.rollback()
        raise Conflict(
            _l("Someone reserved it just before you; less is available now."), field="quantity"
        )
    if written.left is not None:
        stock.taken(listing, written.left)
    reservation.__dict__["id"] = written.reservation_id
    make_transient_to_detached(reservation)
    session.add(reservation)
    # The request itself is on the reservation row (requester, requested_at); the timeline
    # shows it from there, so the busiest path writes one row less.
    if accepted:
        transitions.record_event(
            reservation, None, ReservationStatus.REQUESTED, ReservationStatus.ACCEPTED
        )
    if announce:
        notifications.email_after_commit()
        _publish_request(reservation)
    # The listing's stock and the new reservation are set above as they were committed.
    commit_keeping_loaded(session)
    return reservation


def announce_request(reservation: Reservation) -> None:
    """The lister hears of a request once it is firm: made, or paid for when paying online."""
    notifications.add(notices.creation_notice(reservation))
    _publish_request(reservation)


def _publish_request(reservation: Reservation) -> None:
    events.publish(reservation, events.REQUESTED, actor_id=reservation.requester_id)
    if reservation.status == ReservationStatus.ACCEPTED:
        events.publish(reservation, events.ACCEPTED)
