from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.listings.services import close_listing
from marketplace.models import (
    AuditEvent,
    Listing,
    Notification,
    PriceModel,
    Reservation,
    ReservationStatus,
    User,
)
from marketplace.reservations import materials, queries, transitions
from tests.reservations.conftest import hours_later, tomorrow_at


def available(listing: Listing) -> Decimal:
    db.session.expire_all()
    return db.session.get(Listing, listing.id).quantity_available  # type: ignore[union-attr]


def reservations() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) or 0


def test_a_resident_reserves_part_of_the_bricks(
    bricks: Listing, requester: User, reserve: Callable[..., Reservation]
) -> None:
    reservation = reserve(requester, bricks, 20, message="Lauantaina käy?")
    assert reservation.status == ReservationStatus.REQUESTED
    assert reservation.quantity == 20 and reservation.price_cents == 0
    assert len(reservation.pickup_code) == 6
    assert reservation.expires_at is not None
    assert available(bricks) == 480
    assert reservation.events == []  # the request itself is the reservation row


@pytest.mark.parametrize(
    ("quantity", "changes", "field"),
    [
        ("0", {}, "quantity"),
        ("-5", {}, "quantity"),
        ("2.5", {}, "quantity"),
        ("501", {}, "quantity"),
        ("20", {"pickup_at": hours_later(-2)}, "pickup_at"),
        ("20", {"pickup_at": hours_later(24 * 90)}, "pickup_at"),
        ("20", {"message": "x" * 2001}, "message"),
    ],
)
def test_bad_requests_change_nothing(
    bricks: Listing,
    requester: User,
    reserve: Callable[..., Reservation],
    quantity: str,
    changes: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(ValidationError) as raised:
        reserve(requester, bricks, quantity, **changes)
    assert raised.value.field == field
    assert available(bricks) == 500 and reservations() == 0


def test_nobody_reserves_their_own_listing(
    bricks: Listing, lister: User, reserve: Callable[..., Reservation]
) -> None:
    with pytest.raises(ValidationError):
        reserve(lister, bricks, 5)
    assert reservations() == 0


def test_closed_listings_cannot_be_reserved(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation]
) -> None:
    close_listing(bricks, lister)
    with pytest.raises(Conflict):
        reserve(requester, bricks, 5)


def test_a_lot_is_reserved_whole(
    app: Flask,
    lister: User,
    requester: User,
    make_listing: Any,
    reserve: Callable[..., Reservation],
) -> None:
    lot = make_listing(
        owner=lister, price_model=PriceModel.PER_LOT, price_cents=15000, quantity=Decimal(80)
    )
    with pytest.raises(ValidationError):
        reserve(requester, lot, 40)
    reservation = reserve(requester, lot, 80)
    assert reservation.price_cents == 15000


def test_prices_are_kept_as_they_were(
    app: Flask,
    lister: User,
    requester: User,
    make_listing: Any,
    reserve: Callable[..., Reservation],
) -> None:
    priced = make_listing(owner=lister, price_model=PriceModel.PER_UNIT, price_cents=35)
    reservation = reserve(requester, priced, 30)
    assert reservation.price_cents == 1050


def test_a_repeated_request_makes_one_reservation(
    bricks: Listing, requester: User, reserve: Callable[..., Reservation]
) -> None:
    first = reserve(requester, bricks, 10, idempotency_key="form-1")
    second = reserve(requester, bricks, 10, idempotency_key="form-1")
    assert first.id == second.id
    assert available(bricks) == 490 and reservations() == 1


def test_accept_then_hand_over_with_the_code(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation]
) -> None:
    reservation = reserve(requester, bricks, 20)
    transitions.accept(reservation, lister)
    assert reservation.status == ReservationStatus.ACCEPTED and reservation.accepted_at
    with pytest.raises(ValidationError) as raised:
        transitions.complete(reservation, lister, "WRONG1")
    assert raised.value.field == "code"
    transitions.complete(reservation, lister, reservation.pickup_code.lower())
    assert reservation.status == ReservationStatus.COMPLETED
    assert reservation.mass_kg == Decimal("46.000")  # 20 × 2.3 kg
    assert reservation.co2e_kg == Decimal("11.0")  # × 0.24 kg CO2e/kg
    assert reservation.emission_factor == Decimal("0.24")
    assert "ICE v2.0" in (reservation.emission_factor_source or "")
    assert available(bricks) == 480  # handed over: it stays gone
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "reservation")
    ).all()
    assert actions == ["reservation.created", "reservation.accepted", "reservation.completed"]


def test_declining_releases_the_stock(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation]
) -> None:
    reservation = reserve(requester, bricks, 120)
    transitions.decline(reservation, lister, "Already promised to a neighbour.")
    assert reservation.status == ReservationStatus.DECLINED
    assert reservation.reason == "Already promised to a neighbour."
    assert available(bricks) == 500


def test_either_party_cancels_and_the_stock_returns(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation]
) -> None:
    first, second = reserve(requester, bricks, 10), reserve(requester, bricks, 15)
    transitions.cancel(first, requester)
    transitions.accept(second, lister)
    transitions.cancel(second, lister, "The pallet broke.")
    assert available(bricks) == 500


ACTIONS: dict[str, Callable[[Reservation, User, User], None]] = {
    "accept": lambda r, lister, requester: transitions.accept(r, lister),
    "decline": lambda r, lister, requester: transitions.decline(r, lister, ""),
    "complete": lambda r, lister, requester: transitions.complete(r, lister, r.pickup_code),
    "cancel": lambda r, lister, requester: transitions.cancel(r, requester),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_transitions_from_the_wrong_state_are_refused(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation], action: str
) -> None:
    reservation = reserve(requester, bricks, 10)
    transitions.cancel(reservation, requester)
    with pytest.raises(Conflict):
        ACTIONS[action](reservation, lister, requester)
    assert available(bricks) == 500  # released exactly once


def test_only_the_parties_act(
    bricks: Listing, requester: User, make_user: Any, reserve: Callable[..., Reservation]
) -> None:
    stranger = make_user()
    reservation = reserve(requester, bricks, 10)
    for act in (
        lambda: transitions.accept(reservation, stranger),
        lambda: transitions.decline(reservation, stranger, ""),
        lambda: transitions.cancel(reservation, stranger),
        lambda: transitions.post_message(reservation, stranger, "hi"),
        lambda: queries.get_for(reservation.id, stranger),
    ):
        with pytest.raises(NotFound):
            act()
    with pytest.raises(NotFound):
        transitions.accept(reservation, requester)  # the requester cannot accept their own


def test_organisation_members_answer_requests(
    app: Flask,
    make_user: Any,
    make_organisation: Any,
    make_site: Any,
    make_listing: Any,
    requester: User,
    reserve: Callable[..., Reservation],
) -> None:
    owner, colleague = make_user(), make_user()
    organisation = make_organisation(owner, members=(colleague,))
    listing = make_listing(owner=owner, site=make_site(owner, organisation))
    reservation = reserve(requester, listing, 10)
    assert queries.requests_for(colleague) == [reservation]
    assert queries.requests_for(colleague, organisation_id=organisation.id) == [reservation]
    transitions.accept(reservation, colleague)
    assert reservation.status == ReservationStatus.ACCEPTED


def test_auto_accept(bricks: Listing, requester: User, reserve: Callable[..., Reservation]) -> None:
    bricks.auto_accept = True
    db.session.commit()
    reservation = reserve(requester, bricks, 10)
    assert reservation.status == ReservationStatus.ACCEPTED
    assert [e.to_status for e in reservation.events] == [ReservationStatus.ACCEPTED]


def test_messages_between_the_parties(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation]
) -> None:
    reservation = reserve(requester, bricks, 10)
    transitions.post_message(reservation, lister, "Portti on auki klo 7–15.")
    transitions.post_message(reservation, requester, "Kiitos, tulen klo 10.")
    texts = [e.text for e in reservation.events if e.kind == "message"]
    assert texts == ["Portti on auki klo 7–15.", "Kiitos, tulen klo 10."]
    with pytest.raises(ValidationError):
        transitions.post_message(reservation, requester, "   ")


def test_notifications_in_the_app(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation]
) -> None:
    reservation = reserve(requester, bricks, 10)
    transitions.accept(reservation, lister)
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert kinds == {(lister.id, "new_request"), (requester.id, "accepted")}


def test_e_mails_go_out_after_commit_in_the_recipients_language(
    smtp_server: Any, app: Flask, make_user: Any, make_listing: Any
) -> None:
    from marketplace.models import Language

    lister = make_user(email="lister@example.fi", locale=Language.FI)
    requester = make_user(email="erik@example.fi", locale=Language.SV)
    listing = make_listing(owner=lister)
    from marketplace.reservations.materials import MaterialRequest

    reservation = materials.reserve_material(
        requester, listing, MaterialRequest(Decimal(10), tomorrow_at())
    )
    transitions.accept(reservation, lister)
    messages = {m["To"]: m for m in smtp_server.messages}
    assert set(messages) == {"lister@example.fi", "erik@example.fi"}
    assert "Punatiilet" in messages["lister@example.fi"]["Subject"]
    body = messages["erik@example.fi"].get_content()
    assert reservation.pickup_code in body
    assert body.startswith("Hej ")  # written in Swedish


def test_amounts_read_in_each_recipients_language_not_the_requesters(
    smtp_server: Any, app: Flask, make_user: Any, make_listing: Any
) -> None:
    from flask_babel import force_locale

    from marketplace.models import Language

    lister = make_user(email="lister@example.fi", locale=Language.FI)
    requester = make_user(email="erik@example.se", locale=Language.SV)
    listing = make_listing(owner=lister)
    with app.test_request_context(), force_locale("en"):  # the requester's page was in English
        reservation = materials.reserve_material(
            requester, listing, materials.MaterialRequest(Decimal(10), tomorrow_at())
        )
    transitions.accept(reservation, lister)
    bodies = {m["To"]: m.get_content() for m in smtp_server.messages}
    assert "10 kpl" in bodies["lister@example.fi"] and "pcs" not in bodies["lister@example.fi"]
    assert "10 st" in bodies["erik@example.se"] and "pcs" not in bodies["erik@example.se"]


def test_pickup_codes_may_repeat_across_reservations(
    bricks: Listing,
    lister: User,
    requester: User,
    reserve: Callable[..., Reservation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Six letters repeat by chance among many reservations; a code is only ever checked
    against its own reservation, so a repeat must neither fail nor let one code open
    another reservation."""
    from marketplace.reservations import codes

    monkeypatch.setattr(codes, "new_pickup_code", lambda: "ACDEFG")
    first = reserve(requester, bricks, 10)
    second = reserve(requester, bricks, 20)
    assert first.pickup_code == second.pickup_code == "ACDEFG"
    transitions.accept(first, lister)
    transitions.complete(first, lister, "ACDEFG")
    assert first.status == ReservationStatus.COMPLETED
    assert second.status == ReservationStatus.REQUESTED
    assert available(bricks) == 470


def test_no_e_mail_for_a_change_that_was_rolled_back(
    smtp_server: Any,
    bricks: Listing,
    requester: User,
    reserve: Callable[..., Reservation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from marketplace.reservations import creation

    written = creation.write

    def broken(new: creation.NewReservation) -> None:
        written(new)  # the stock, the reservation and its notification are written…
        raise RuntimeError("database went away")  # …and the commit never comes

    monkeypatch.setattr(creation, "write", broken)
    with pytest.raises(RuntimeError):
        reserve(requester, bricks, 10)
    db.session.rollback()
    assert smtp_server.messages == []
    assert available(bricks) == 500 and reservations() == 0


def test_lists_for_pages(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation]
) -> None:
    reservation = reserve(requester, bricks, 10)
    assert queries.requested_by(requester) == [reservation]
    assert queries.requested_by(requester, ReservationStatus.ACCEPTED) == []
    assert queries.requests_for(lister) == [reservation]
    assert queries.requests_for(requester) == []


def test_every_transition_is_announced_inside_its_transaction(
    bricks: Listing, lister: User, requester: User, reserve: Callable[..., Reservation]
) -> None:
    from marketplace.reservations import events

    heard: list[tuple[int, str]] = []

    def listen(reservation: Reservation, event: str, **_details: Any) -> None:
        assert db.session().in_transaction()  # subscribers write with the change
        heard.append((reservation.id, event))

    with events.reservation_event.connected_to(listen):
        first = reserve(requester, bricks, 10)
        transitions.accept(first, lister)
        transitions.complete(first, lister, first.pickup_code)
        second = reserve(requester, bricks, 10)
        transitions.decline(second, lister, "")
    assert heard == [
        (first.id, "reservation.requested"),
        (first.id, "reservation.accepted"),
        (first.id, "reservation.completed"),
        (second.id, "reservation.requested"),
        (second.id, "reservation.declined"),
    ]


@pytest.mark.search
def test_keeping_less_of_a_sold_out_listing_makes_it_findable_again(
    app: Flask, bricks: Listing, requester: User, reserve: Callable[..., Reservation]
) -> None:
    from marketplace.search.indexing import extension
    from marketplace.search.query import parse_query
    from marketplace.search.services import search

    def found() -> bool:
        assert extension(app).sync.drain(timeout=30)
        page = search(parse_query({"q": "Punatiilet"})[0])
        return bricks.id in [result.listing.id for result in page.results]

    reservation = reserve(requester, bricks, 500)
    assert available(bricks) == 0 and not found()
    transitions.reduce(reservation, requester, Decimal(300))
    assert available(bricks) == 200 and found()
