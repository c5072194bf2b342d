"""Reservations for the demo marketplace, in every state, so that the requests pages, the
timelines and the impact figures have something to show on a first run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace.core.clock import HELSINKI, utcnow
from marketplace.errors import MarketplaceError
from marketplace.extensions import db
from marketplace.models import (
    Listing,
    ListingKind,
    ListingStatus,
    Notification,
    Reservation,
    ReservationEvent,
    User,
)
from marketplace.reservations import bookings, materials, queries, transitions


@dataclass(frozen=True)
class DemoReservation:
    requester: str
    listing_owner: str
    kind: ListingKind
    amount: int
    end: str  # requested, accepted, completed, declined or cancelled
    message: str = ""


MIKKO = "mikko.virtanen@rakennuskera.example"
AINO = "aino.lehtonen@rakennuskera.example"
ANNA = "anna.lindqvist@albergainredning.example"
VILLE = "ville.salo@espoo.example"

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
    start = max(listing.available_from, queries.today()) + timedelta(days=2)
    if demo.kind == ListingKind.EQUIPMENT:
        days = max(listing.min_rental_days or 1, 5)
        return bookings.book_equipment(
            requester,
            listing,
            bookings.BookingRequest(
                start, start + timedelta(days=days - 1), demo.amount, demo.message
            ),
        )
    pickup = datetime.combine(start, time(16, 0), HELSINKI)
    return materials.reserve_material(
        requester, listing, materials.MaterialRequest(Decimal(demo.amount), pickup, demo.message)
    )


def _finish(reservation: Reservation, lister: User, end: str) -> None:
    if end in ("accepted", "completed"):
        transitions.accept(reservation, lister)
    if end == "completed":
        transitions.complete(reservation, lister, reservation.pickup_code)
    elif end == "declined":
        transitions.decline(reservation, lister, "Valitettavasti jo luvattu toiselle.")
    elif end == "cancelled":
        transitions.cancel(reservation, reservation.requester, "")


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
    # Demo people have made-up addresses: a mail server configured later must not mail them
    # what happened in the demo. They still see it in the app.
    db.session.execute(
        sa.update(Notification)
        .where(Notification.emailed_at.is_(None), Notification.reservation_id.is_not(None))
        .values(emailed_at=utcnow())
    )
    db.session.commit()
    return made


@dataclass(frozen=True)
class PastHandover:
    """A handover months ago, so that the impact page's monthly chart has a history."""

    key: str  # the reservation's idempotency key: a handover made once is not made again
    requester: str
    listing_owner: str
    title_start: str
    amount: int
    months_ago: int
    day: int


HISTORY = [
    PastHandover("demo-history-1", "laura.korhonen@example.fi", MIKKO, "Koolausrimat", 60, 5, 9),
    PastHandover("demo-history-2", "erik.sjoberg@example.fi", MIKKO, "Kuormalavat", 12, 5, 21),
    PastHandover("demo-history-3", "sam.taylor@example.com", VILLE, "Lämpöpatterit", 3, 4, 6),
    PastHandover("demo-history-4", "laura.korhonen@example.fi", VILLE, "Alakattolevyt", 24, 4, 18),
    PastHandover("demo-history-5", AINO, VILLE, "Innerdörrar", 4, 3, 3),
    PastHandover("demo-history-6", "erik.sjoberg@example.fi", MIKKO, "Ontelolaatan", 3, 3, 14),
    PastHandover(
        "demo-history-7", "sam.taylor@example.com", ANNA, "Kontorsstolar med arm", 4, 2, 5
    ),
    PastHandover("demo-history-8", "laura.korhonen@example.fi", MIKKO, "Betoniharkot", 24, 2, 20),
    PastHandover("demo-history-9", "erik.sjoberg@example.fi", VILLE, "Lattialaatat 20", 10, 1, 8),
    PastHandover("demo-history-10", "sam.taylor@example.com", ANNA, "Glasväggar", 6, 1, 15),
    PastHandover("demo-history-11", "laura.korhonen@example.fi", ANNA, "Textilplattor", 12, 1, 22),
]


def _listing_titled(owner: User, title_start: str, amount: int) -> Listing | None:
    listing = db.session.scalar(
        sa.select(Listing)
        .where(
            Listing.owner_id == owner.id,
            Listing.status == ListingStatus.ACTIVE,
            Listing.title.startswith(title_start),
        )
        .order_by(Listing.id)
        .limit(1)
    )
    if listing is None or listing.quantity_available < amount:
        return None
    return listing


def _when(past: PastHandover) -> datetime:
    """14:00 on the given day of the month `months_ago` months back, in Helsinki."""
    today = queries.today()
    month = today.month - past.months_ago
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.combine(date(year, month, past.day), time(14, 0), HELSINKI)


def _backdate(reservation: Reservation, moment: datetime) -> None:
    """Demo only: move a handover made through the services just now back to `moment`, with
    its timeline and notifications, as if it had happened then."""
    requested = moment - timedelta(days=2)
    db.session.execute(
        sa.update(Reservation)
        .where(Reservation.id == reservation.id)
        .values(
            created_at=requested,
            requested_at=requested,
            accepted_at=moment - timedelta(days=1),
            completed_at=moment,
            pickup_at=moment,
            updated_at=moment,
        )
    )
    db.session.execute(
        sa.update(ReservationEvent)
        .where(ReservationEvent.reservation_id == reservation.id)
        .values(created_at=moment)
    )
    db.session.execute(
        sa.update(Notification)
        .where(Notification.reservation_id == reservation.id)
        # Sent and read back then: a mail server configured later must not send them now.
        .values(created_at=moment, read_at=moment, emailed_at=moment)
    )
    db.session.commit()


def _made(requester: User, key: str) -> bool:
    query = sa.select(Reservation.id).where(
        Reservation.requester_id == requester.id, Reservation.idempotency_key == key
    )
    return db.session.scalar(query) is not None


def _hand_over_in_the_past(past: PastHandover, users: dict[str, User]) -> bool:
    requester, lister = users[past.requester], users[past.listing_owner]
    listing = _listing_titled(lister, past.title_start, past.amount)
    if listing is None or _made(requester, past.key):
        return False
    start = max(listing.available_from, queries.today()) + timedelta(days=2)
    pickup = datetime.combine(start, time(16, 0), HELSINKI)
    request = materials.MaterialRequest(Decimal(past.amount), pickup, "", idempotency_key=past.key)
    try:
        reservation = materials.reserve_material(requester, listing, request)
        transitions.accept(reservation, lister)
        transitions.complete(reservation, lister, reservation.pickup_code)
    except MarketplaceError:
        db.session.rollback()
        return False
    _backdate(reservation, _when(past))
    return True


def ensure_history(users: dict[str, User]) -> int:
    """Past handovers, each made once (by its idempotency key), so that loading the demo
    again adds nothing, and a demo loaded before this existed gains the history once."""
    return sum(_hand_over_in_the_past(past, users) for past in HISTORY)
