"""Holds that ran out, and reminders before they do: jobs safe to run every minute and from
several processes at once, since each reservation is claimed by a compare-and-set."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.core.clock import utcnow
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import HOLDING, Reservation, ReservationStatus
from marketplace.reservations import notices, rules, stock, transitions


def expire_due(now: datetime | None = None) -> int:
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Reservation.id)
        .where(Reservation.status.in_(HOLDING), Reservation.expires_at <= now)
        .order_by(Reservation.expires_at)
    ).all()
    db.session.commit()
    expired = 0
    for reservation_id in due:
        reservation = db.session.get(Reservation, reservation_id)
        if reservation is None:
            continue
        try:
            transitions.move(reservation, None, HOLDING, ReservationStatus.EXPIRED, now)
        except Conflict:
            continue  # another runner, or a party, got there first
        stock.release(reservation)
        for party in (reservation.requester, notices.lister(reservation)):
            notifications.notify(party, "expired", reservation)
        db.session.commit()
        expired += 1
    return expired


def remind_due(now: datetime | None = None) -> int:
    """One reminder per reservation to whoever must act before it expires."""
    now = now or utcnow()
    soon = now + timedelta(hours=rules.setting("REMIND_HOURS"))
    due = db.session.scalars(
        sa.select(Reservation.id).where(
            Reservation.status.in_([ReservationStatus.REQUESTED, ReservationStatus.ACCEPTED]),
            Reservation.expires_at <= soon,
            Reservation.expires_at > now,
            Reservation.reminded_at.is_(None),
        )
    ).all()
    db.session.commit()
    reminded = 0
    for reservation_id in due:
        claimed = db.session.execute(
            sa.update(Reservation)
            .where(Reservation.id == reservation_id, Reservation.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        reservation = db.session.get(Reservation, reservation_id)
        assert reservation is not None
        who = (
            notices.lister(reservation)
            if reservation.status == ReservationStatus.REQUESTED
            else reservation.requester
        )
        notifications.notify(
            who, "expiring_soon", reservation, deadline=notices.when(reservation.expires_at)
        )
        db.session.commit()
        reminded += 1
    return reminded
