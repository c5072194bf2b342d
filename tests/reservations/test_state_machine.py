"""Random sequences of everything that can happen to a listing's reservations, with the stock
invariant (docs/architecture.md, "Domain model") checked after every step:

    available = total − Σ quantities of reservations that hold or were handed over ≥ 0
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from marketplace.core.clock import utcnow
from marketplace.errors import MarketplaceError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.models import OCCUPYING, Listing, Reservation, User
from marketplace.reservations import expiry, materials, transitions
from marketplace.reservations.materials import MaterialRequest


def test_reservations_keep_the_stock_invariant(
    app: Flask, make_user: Any, make_site: Any, details: Any
) -> None:
    class Marketplace(RuleBasedStateMachine):
        reservations = Bundle("reservations")

        @initialize()
        def listing(self) -> None:
            self.lister: User = make_user()
            self.people: list[User] = [make_user() for _ in range(3)]
            self.site = make_site(self.lister)
            self.details = details(self.site, quantity=Decimal(30))
            self.listing_id = listing_services.create_listing(
                self.lister, self.details, publish=True
            ).id
            self.now: datetime = utcnow()

        def _listing(self) -> Listing:
            db.session.expire_all()
            listing = db.session.get(Listing, self.listing_id)
            assert listing is not None
            return listing

        def _attempt(self, action: Any, *args: Any) -> None:
            try:
                action(*args, now=self.now)
            except MarketplaceError:
                db.session.rollback()

        @rule(target=reservations, person=st.integers(0, 2), amount=st.integers(1, 12))
        def reserve(self, person: int, amount: int) -> int | None:
            pickup = self.now + timedelta(days=2)
            try:
                made = materials.reserve_material(
                    self.people[person],
                    self._listing(),
                    MaterialRequest(Decimal(amount), pickup),
                    now=self.now,
                )
            except MarketplaceError:
                db.session.rollback()
                return None
            return made.id

        def _reservation(self, reservation_id: int | None) -> Reservation | None:
            if reservation_id is None:
                return None
            db.session.expire_all()
            return db.session.get(Reservation, reservation_id)

        @rule(reservation=reservations)
        def accept(self, reservation: int | None) -> None:
            if (found := self._reservation(reservation)) is not None:
                self._attempt(transitions.accept, found, self.lister)

        @rule(reservation=reservations)
        def decline(self, reservation: int | None) -> None:
            if (found := self._reservation(reservation)) is not None:
                self._attempt(transitions.decline, found, self.lister, "")

        @rule(reservation=reservations, by_lister=st.booleans())
        def cancel(self, reservation: int | None, by_lister: bool) -> None:
            if (found := self._reservation(reservation)) is not None:
                actor = self.lister if by_lister else found.requester
                self._attempt(transitions.cancel, found, actor, "")

        @rule(reservation=reservations, right_code=st.booleans())
        def complete(self, reservation: int | None, right_code: bool) -> None:
            if (found := self._reservation(reservation)) is not None:
                code = found.pickup_code if right_code else "ZZZZZZ"
                self._attempt(transitions.complete, found, self.lister, code)

        @rule(hours=st.integers(1, 80))
        def time_passes(self, hours: int) -> None:
            self.now += timedelta(hours=hours)
            expiry.expire_due(self.now)

        @rule(total=st.integers(1, 60))
        def edit_stock(self, total: int) -> None:
            listing = self._listing()
            try:
                listing_services.update_listing(
                    listing, self.lister, replace(self.details, quantity=Decimal(total))
                )
            except MarketplaceError:
                db.session.rollback()

        @invariant()
        def stock_adds_up(self) -> None:
            if not hasattr(self, "listing_id"):
                return
            listing = self._listing()
            held = db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(Reservation.quantity), 0)).where(
                    Reservation.listing_id == self.listing_id, Reservation.status.in_(OCCUPYING)
                )
            )
            assert listing.quantity_available >= 0
            assert listing.quantity_available == listing.quantity_total - Decimal(held)

    run_state_machine_as_test(
        Marketplace,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
