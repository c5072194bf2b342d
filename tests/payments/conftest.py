"""Every payment test runs with Stripe switched on, against a local fake of its API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from marketplace.models import Listing, PriceModel, Reservation, User
from marketplace.reservations import materials
from marketplace.reservations.materials import MaterialRequest
from tests.payments.fake_stripe import FakeStripe, running
from tests.reservations.conftest import tomorrow_at

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    with running(WEBHOOK_SECRET) as fake:
        yield fake


@pytest.fixture
def app_config(app_config: dict[str, Any], stripe_fake: FakeStripe) -> dict[str, Any]:
    app_config.update(
        STRIPE_SECRET_KEY="sk_test_fake",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_fake.base,
        STRIPE_CHECKOUT_ORIGIN=stripe_fake.base,
    )
    return app_config


@pytest.fixture
def lister(make_user: Callable[..., User]) -> User:
    return make_user(email="lister@example.fi", name="Lister")


@pytest.fixture
def buyer(make_user: Callable[..., User]) -> User:
    return make_user(email="buyer@example.fi", name="Buyer")


@pytest.fixture
def paid_bricks(app: Flask, lister: User, make_listing: Callable[..., Listing]) -> Listing:
    """500 bricks at 0,40 € each."""
    return make_listing(owner=lister, price_model=PriceModel.PER_UNIT, price_cents=40)


@pytest.fixture
def held(app: Flask, paid_bricks: Listing, buyer: User) -> Callable[..., Reservation]:
    """A reservation of bricks held while the buyer pays."""

    def make(quantity: int = 100, **changes: Any) -> Reservation:
        return materials.reserve_material(
            buyer,
            paid_bricks,
            MaterialRequest(
                Decimal(quantity),
                changes.pop("pickup_at", tomorrow_at()),
                pay_online=True,
                **changes,
            ),
        )

    return make
