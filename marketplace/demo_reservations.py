"""Reservations for the demo marketplace, in every state, so that the requests pages, the
timelines and the impact figures have something to show on a first run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace.errors import MarketplaceError
from marketplace.extensions import db
from marketplace.listings.services import HELSINKI
from marketplace.models import Listing, ListingKind, ListingStatus, Reservation, User
from marketplace.reservations import services


@dataclass(frozen=True)
class DemoReservation:
    requester: str
    listing_owner: str
    kind: ListingKind
    amount: int
    end: str  # requested, accepted, completed, declined or cancelled
    message: str = ""


RESERVATIONS = [
    DemoReservation(
        "laura.korhonen@example.fi",
        "mikko.virtanen@rakennuskera.example",
        ListingKind.MATERIAL,
        40,
        "completed",
        "Tarvitsen tiiliä puutarhan reunukseen. Sopiiko lauantai?",
    ),
    DemoReservation(
        "erik.sjoberg@example.fi",
        "mikko.virtanen@rakennuskera.example",
        ListingKind.MATERIAL,
        6,
        "completed",
        "Jag hämtar med släpvagn.",
    ),
    DemoReservation(
        "sam.taylor@example.com",
        "anna.lindqvist@albergainredning.example",
        ListingKind.MATERIAL,
        2,
        "completed",
        "For our student association room.",
    ),
    DemoReservation(
        "laura.korhonen@example.fi",
        "ville.salo@espoo.example",
        ListingKind.MATERIAL,
        4,
        "completed",
        "Kotitoimistoon, kiitos!",
    ),
    DemoReservation(
        "sam.taylor@example.com",
        "aino.lehtonen@rakennuskera.example",
        ListingKind.MATERIAL,
        10,
        "accepted",
        "Can I pick up after work, 17:00?",
    ),
    DemoReservation(
        "erik.sjoberg@example.fi",
        "ville.salo@espoo.example",
        ListingKind.MATERIAL,
        3,
        "requested",
        "Passar det på tisdag?",
    ),
    DemoReservation(
        "laura.korhonen@example.fi",
        "anna.lindqvist@albergainredning.example",
        ListingKind.MATERIAL,
        1,
        "declined",
        "Ehtisinkö hakea jo huomenna?",
    ),
    DemoReservation(
        "aino.lehtonen@rakennuskera.example",
        "jari.nieminen@vuokrakone.example",
        ListingKind.EQUIPMENT,
        2,
        "accepted",
        "Kortteli 3:n julkisivutyöhön.",
    ),
    DemoReservation(
        "mikko.virtanen@rakennuskera.example",
        "jari.nieminen@vuokrakone.example",
        ListingKind.EQUIPMENT,
        1,
        "requested",
        "Kuivatukseen viikoksi.",
    ),
]


def _listing(owner: User, kind: ListingKind, amount: int) -> Listing | None:
    """The owner's first active listing of the kind with enough to give."""
    query = (
        sa.select(Listing)
        .where(
            Listing.owner_id == owner.id,
            Listing.kind == kind,
            Listing.status == ListingStatus.ACTIVE,
        )
        .order_by(Listing.id)
    )
    for listing in db.session.scalars(query):
        enough = (
            listing.quantity_available if kind == ListingKind.MATERIAL else (listing.quantity_total)
        )
        if enough >= amount and (
            listing.price_model != "per_lot" or listing.quantity_total == amount
        ):
            return listing
    return None


def _make(requester: User, listing: Listing, demo: DemoReservation) -> Reservation:
    start = max(listing.available_from, services.today()) + timedelta(days=2)
    if demo.kind == ListingKind.EQUIPMENT:
        days = max(listing.min_rental_days or 1, 5)
        return services.book_equipment(
            requester,
            listing,
            services.BookingRequest(
                start, start + timedelta(days=days - 1), demo.amount, demo.message
            ),
        )
    pickup = datetime.combine(start, time(16, 0), HELSINKI)
    return services.reserve_material(
        requester, listing, services.MaterialRequest(Decimal(demo.amount), pickup, demo.message)
    )


def _finish(reservation: Reservation, lister: User, end: str) -> None:
    if end in ("accepted", "completed"):
        services.accept(reservation, lister)
    if end == "completed":
        services.complete(reservation, lister, reservation.pickup_code)
    elif end == "declined":
        services.decline(reservation, lister, "Valitettavasti jo luvattu toiselle.")
    elif end == "cancelled":
        services.cancel(reservation, reservation.requester, "")


def ensure_reservations(users: dict[str, User]) -> int:
    if db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)):
        return 0  # the demo has been played once already; leave what people did since
    made = 0
    for demo in RESERVATIONS:
        lister = users[demo.listing_owner]
        listing = _listing(lister, demo.kind, demo.amount)
        if listing is None:
            continue
        try:
            reservation = _make(users[demo.requester], listing, demo)
            _finish(reservation, lister, demo.end)
        except MarketplaceError:
            db.session.rollback()
            continue
        made += 1
    return made
