from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from marketplace.core.clock import HELSINKI, today_in_finland, utcnow
from marketplace.models import Listing, Reservation, User
from marketplace.reservations import bookings, materials
from marketplace.reservations.bookings import BookingRequest
from marketplace.reservations.materials import MaterialRequest


def tomorrow_at(hour: int = 16) -> datetime:
    return datetime.combine(today_in_finland() + timedelta(days=1), time(hour), HELSINKI)


def next_monday() -> date:
    today = today_in_finland()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def lister(make_user: Callable[..., User]) -> User:
    return make_user(email="lister@example.fi", name="Lister")


@pytest.fixture
def requester(make_user: Callable[..., User]) -> User:
    return make_user(email="resident@example.fi", name="Resident")


@pytest.fixture
def bricks(app: Flask, lister: User, make_listing: Callable[..., Listing]) -> Listing:
    """500 bricks, free, available for a month."""
    return make_listing(owner=lister)


@pytest.fixture
def scaffolding(app: Flask, lister: User, make_rental: Callable[..., Listing]) -> Listing:
    return make_rental(owner=lister)


@pytest.fixture
def reserve(app: Flask) -> Callable[..., Reservation]:
    def make(
        requester: User, listing: Listing, quantity: int | str = 20, **changes: Any
    ) -> Reservation:
        request = MaterialRequest(
            quantity=Decimal(quantity), pickup_at=changes.pop("pickup_at", tomorrow_at()), **changes
        )
        return materials.reserve_material(requester, listing, request)

    return make


@pytest.fixture
def book(app: Flask) -> Callable[..., Reservation]:
    def make(
        requester: User, listing: Listing, start: date, end: date, units: int = 1, **changes: Any
    ) -> Reservation:
        return bookings.book_equipment(
            requester, listing, BookingRequest(start, end, units, **changes)
        )

    return make


def hours_later(hours: float) -> datetime:
    return utcnow() + timedelta(hours=hours)
