"""Many people pressing "reserve" at the same moment, against a real database, in threads
with their own connections. The same harness runs a deliberately naive variant, to show that
it would see overselling if there were any."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace import create_app
from marketplace.errors import MarketplaceError
from marketplace.extensions import db
from marketplace.models import OCCUPYING, Listing, Reservation, User
from marketplace.reservations import bookings, materials
from marketplace.reservations.bookings import BookingRequest
from marketplace.reservations.materials import MaterialRequest
from tests.reservations.conftest import next_monday, tomorrow_at

WORKERS = 8
STOCK = 10


def run_in_parallel(app: Flask, attempt: Callable[[int], bool], attempts: int) -> int:
    """Each worker thread makes `attempts` tries; returns how many succeeded in all."""
    barrier = threading.Barrier(WORKERS)
    successes: list[int] = []
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        with app.app_context():
            barrier.wait()
            won = 0
            for number in range(attempts):
                try:
                    won += attempt(worker * 1000 + number)
                except MarketplaceError:
                    db.session.rollback()
                except BaseException as error:
                    errors.append(error)
                    db.session.rollback()
            successes.append(won)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return sum(successes)


def stock_invariant(listing_id: int) -> tuple[Decimal, Decimal, Decimal]:
    """(total, available, held or handed over) as the database has them now."""
    db.session.rollback()  # end the test's own snapshot, taken before the workers ran
    total, available_now = db.session.execute(
        sa.select(Listing.quantity_total, Listing.quantity_available).where(
            Listing.id == listing_id
        )
    ).one()
    held = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Reservation.quantity), 0)).where(
            Reservation.listing_id == listing_id, Reservation.status.in_(OCCUPYING)
        )
    )
    return total, available_now, Decimal(held)


@pytest.fixture
def worker_app(app_config: dict[str, Any]) -> Any:
    """A second app on the same database whose threads run like request handlers."""
    worker = create_app(app_config)
    yield worker
    with worker.app_context():
        db.engine.dispose()


@pytest.fixture
def requesters(make_user: Callable[..., User]) -> list[int]:
    return [make_user().id for _ in range(WORKERS)]


def test_parallel_reservers_never_oversell(
    worker_app: Flask, make_listing: Any, lister: User, requesters: list[int]
) -> None:
    listing = make_listing(owner=lister, quantity=Decimal(STOCK))
    listing_id = listing.id

    def attempt(number: int) -> bool:
        requester = db.session.get(User, requesters[number // 1000])
        target = db.session.get(Listing, listing_id)
        assert requester is not None and target is not None
        materials.reserve_material(
            requester,
            target,
            MaterialRequest(Decimal(1), tomorrow_at(), idempotency_key=f"attempt-{number}"),
        )
        return True

    won = run_in_parallel(worker_app, attempt, attempts=4)
    total, available_now, held = stock_invariant(listing_id)
    assert won == STOCK
    assert held == STOCK and available_now == 0 and available_now == total - held


def naive_reserve(listing_id: int, requester_id: int) -> bool:
    """Check, then write what the check saw: what a form that trusts its GET would do."""
    seen = db.session.scalar(sa.select(Listing.quantity_available).where(Listing.id == listing_id))
    db.session.commit()
    if seen is None or seen < 1:
        return False
    db.session.execute(
        sa.update(Listing).where(Listing.id == listing_id).values(quantity_available=seen - 1)
    )
    db.session.add(
        Reservation(
            listing_id=listing_id,
            requester_id=requester_id,
            status="requested",
            quantity=Decimal(1),
            pickup_code=f"N{seen}x",
            idempotency_key=None,
        )
    )
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
    return True


def test_the_harness_sees_a_naive_reserver_oversell(
    worker_app: Flask, make_listing: Any, lister: User, requesters: list[int]
) -> None:
    """If this ever passes without overselling, the harness has gone blind."""
    for _ in range(5):
        listing = make_listing(owner=lister, quantity=Decimal(STOCK))
        listing_id = listing.id
        won = run_in_parallel(
            worker_app,
            lambda n, listing_id=listing_id: naive_reserve(listing_id, requesters[n // 1000]),
            attempts=4,
        )
        if won > STOCK:
            return
    pytest.fail("the naive variant never oversold: the harness cannot see overselling")


def day_loads(listing_id: int, first: date, days: int) -> dict[date, int]:
    db.session.rollback()
    return bookings.booked_units(listing_id, first, first + timedelta(days=days - 1))


def test_parallel_overlapping_bookings_never_exceed_capacity(
    worker_app: Flask, make_listing: Any, lister: User, requesters: list[int], category: Any
) -> None:
    from marketplace.models import ListingKind, PriceModel, Unit

    rental = make_listing(
        owner=lister,
        kind=ListingKind.EQUIPMENT,
        category_id=category("scissor-lifts").id,
        unit=Unit.PCS,
        quantity=Decimal(3),
        price_model=PriceModel.RENTAL,
        price_cents=9000,
    )
    listing_id, monday = rental.id, next_monday()

    def attempt(number: int) -> bool:
        requester = db.session.get(User, requesters[number // 1000])
        target = db.session.get(Listing, listing_id)
        assert requester is not None and target is not None
        offset = number % 5
        bookings.book_equipment(
            requester,
            target,
            BookingRequest(
                monday + timedelta(days=offset),
                monday + timedelta(days=offset + 3),
                units=1,
                idempotency_key=f"booking-{number}",
            ),
        )
        return True

    won = run_in_parallel(worker_app, attempt, attempts=5)
    loads = day_loads(listing_id, monday, 12)
    assert won > 0
    assert max(loads.values()) <= 3
    assert max(loads.values()) == 3  # contention really happened
