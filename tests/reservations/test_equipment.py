from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from marketplace.errors import Conflict, ValidationError
from marketplace.models import Listing, Reservation, ReservationStatus, User
from marketplace.reservations import expiry, pricing, queries, transitions
from tests.reservations.conftest import hours_later, next_monday


@pytest.mark.parametrize(
    ("days", "day", "week", "expected"),
    [
        (1, 4500, 18000, 4500),
        (3, 4500, 18000, 13500),
        (5, 4500, 18000, 18000),  # five days at the day rate would cost more than a week
        (7, 4500, 18000, 18000),
        (9, 4500, 18000, 27000),
        (14, 4500, None, 63000),
        (8, None, 18000, 36000),
        (3, None, None, 0),
    ],
)
def test_rental_prices(days: int, day: int | None, week: int | None, expected: int) -> None:
    assert pricing.rental_price_cents(days, 1, day, week) == expected
    assert pricing.rental_price_cents(days, 2, day, week) == expected * 2


def test_a_contractor_books_two_sets_for_a_week(
    scaffolding: Listing, requester: User, book: Callable[..., Reservation]
) -> None:
    monday = next_monday()
    booking = book(requester, scaffolding, monday, monday + timedelta(days=4), units=2)
    assert booking.status == ReservationStatus.REQUESTED
    assert booking.days == 5
    assert booking.price_cents == 2 * 18000 and booking.deposit_cents == 20000
    free = dict(queries.availability(scaffolding, monday, 7))
    assert free[monday] == 1 and free[monday + timedelta(days=4)] == 1
    assert free[monday + timedelta(days=5)] == 3


def test_pick_up_and_return_days_both_count(
    app: Any,
    lister: User,
    requester: User,
    make_user: Any,
    make_listing: Any,
    scaffolding: Listing,
    book: Callable[..., Reservation],
) -> None:
    monday = next_monday()
    book(requester, scaffolding, monday, monday + timedelta(days=2), units=3)  # Mon–Wed
    with pytest.raises(Conflict) as raised:
        book(make_user(), scaffolding, monday + timedelta(days=2), monday + timedelta(days=4))
    assert raised.value.field == "start"
    book(make_user(), scaffolding, monday + timedelta(days=3), monday + timedelta(days=4))


def test_capacity_is_never_exceeded_on_any_day(
    scaffolding: Listing, make_user: Any, book: Callable[..., Reservation]
) -> None:
    monday = next_monday()
    book(make_user(), scaffolding, monday, monday + timedelta(days=6), units=1)
    book(make_user(), scaffolding, monday + timedelta(days=2), monday + timedelta(days=3), units=2)
    with pytest.raises(Conflict):
        book(make_user(), scaffolding, monday + timedelta(days=3), monday + timedelta(days=8))
    book(make_user(), scaffolding, monday + timedelta(days=4), monday + timedelta(days=8))


@pytest.mark.parametrize(
    ("start", "end", "units", "field"),
    [
        (3, 1, 1, "end"),  # reversed
        (-3, 1, 1, "start"),  # in the past
        (3, 3, 1, "end"),  # one day, the minimum is two
        (3, 4, 4, "units"),  # more units than there are
        (3, 4, 0, "units"),
        (3, 200, 1, "start"),  # beyond the listing's availability
    ],
)
def test_bad_bookings_change_nothing(
    scaffolding: Listing,
    requester: User,
    book: Callable[..., Reservation],
    start: int,
    end: int,
    units: int,
    field: str,
) -> None:
    today = queries.today()
    with pytest.raises(ValidationError) as raised:
        book(
            requester,
            scaffolding,
            today + timedelta(days=start),
            today + timedelta(days=end),
            units=units,
        )
    assert raised.value.field == field
    assert queries.requested_by(requester) == []


def test_declined_expired_and_cancelled_bookings_free_their_days(
    scaffolding: Listing, lister: User, make_user: Any, book: Callable[..., Reservation]
) -> None:
    monday = next_monday()
    week = (monday, monday + timedelta(days=6))
    first = book(make_user(), scaffolding, *week, units=3)
    transitions.decline(first, lister, "")
    second = book(make_user(), scaffolding, *week, units=3)
    transitions.cancel(second, lister)
    third = book(make_user(), scaffolding, *week, units=3)
    assert expiry.expire_due(hours_later(24 * 30)) == 1
    assert dict(queries.availability(scaffolding, monday, 7))[monday] == 3
    assert third.id


def test_a_handed_over_rental_keeps_its_days(
    scaffolding: Listing,
    lister: User,
    requester: User,
    make_user: Any,
    book: Callable[..., Reservation],
) -> None:
    monday = next_monday()
    booking = book(requester, scaffolding, monday, monday + timedelta(days=6), units=3)
    transitions.accept(booking, lister)
    transitions.complete(booking, lister, booking.pickup_code)
    with pytest.raises(Conflict):
        book(make_user(), scaffolding, monday + timedelta(days=3), monday + timedelta(days=4))
