from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import AuditEvent, Listing, Notification, Reservation, ReservationStatus
from marketplace.reservations import expiry, transitions
from tests.reservations.conftest import hours_later, tomorrow_at


def available(listing: Listing) -> Decimal:
    db.session.expire_all()
    return db.session.get(Listing, listing.id).quantity_available  # type: ignore[union-attr]


def test_unanswered_requests_expire_and_release(
    bricks: Listing, requester: Any, reserve: Callable[..., Reservation]
) -> None:
    reserve(requester, bricks, 50, pickup_at=hours_later(24 * 5))
    assert expiry.expire_due(hours_later(47)) == 0
    assert expiry.expire_due(hours_later(49)) == 1
    assert available(bricks) == 500
    assert db.session.scalar(sa.select(Reservation.status)) == ReservationStatus.EXPIRED


def test_accepted_but_not_collected_expires_after_the_pickup_window(
    bricks: Listing, lister: Any, requester: Any, reserve: Callable[..., Reservation]
) -> None:
    reservation = reserve(requester, bricks, 50, pickup_at=tomorrow_at(10))
    transitions.accept(reservation, lister)
    pickup = reservation.pickup_at
    assert pickup is not None
    assert expiry.expire_due(pickup) == 0
    assert expiry.expire_due(pickup.replace(hour=pickup.hour + 5)) == 1
    assert available(bricks) == 500


def test_running_expiry_twice_releases_once(
    bricks: Listing, requester: Any, make_user: Any, reserve: Callable[..., Reservation]
) -> None:
    for _ in range(3):
        reserve(make_user(), bricks, 10)
    later = hours_later(72)
    assert expiry.expire_due(later) == 3
    assert expiry.expire_due(later) == 0
    assert available(bricks) == 500
    releases = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "reservation.expired")
    )
    assert releases == 3


def _expire_in_another_process(config: dict[str, Any], now: datetime, results: Any) -> None:
    from marketplace import create_app

    app = create_app(config)
    with app.app_context():
        results.put(expiry.expire_due(now))
        db.engine.dispose()


def test_two_processes_expiring_at_once_release_each_hold_once(
    app_config: dict[str, Any], bricks: Listing, make_user: Any, reserve: Callable[..., Reservation]
) -> None:
    for _ in range(20):
        reserve(make_user(), bricks, 5)
    db.session.commit()
    later = hours_later(72)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    runners = [
        context.Process(target=_expire_in_another_process, args=(app_config, later, results))
        for _ in range(2)
    ]
    for runner in runners:
        runner.start()
    counts = [results.get(timeout=120) for _ in runners]
    for runner in runners:
        runner.join(timeout=60)
    assert sum(counts) == 20
    assert available(bricks) == 500
    statuses = db.session.scalars(sa.select(Reservation.status)).all()
    assert set(statuses) == {ReservationStatus.EXPIRED}


def test_one_reminder_before_a_request_expires(
    bricks: Listing, lister: Any, requester: Any, reserve: Callable[..., Reservation]
) -> None:
    reserve(requester, bricks, 10, pickup_at=hours_later(24 * 5))
    assert expiry.remind_due(hours_later(30)) == 0
    assert expiry.remind_due(hours_later(40)) == 1
    assert expiry.remind_due(hours_later(41)) == 0
    reminders = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "expiring_soon")
    ).all()
    assert [n.user_id for n in reminders] == [lister.id]


def test_the_expire_command(
    app: Flask, bricks: Listing, requester: Any, reserve: Callable[..., Reservation]
) -> None:
    reserve(requester, bricks, 10)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reservations", "expire"])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "reminded 0, expired 0 reservations"
