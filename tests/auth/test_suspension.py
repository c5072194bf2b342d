"""Suspension is real: sessions, remember cookies and API keys stop at once; listings leave
search on both backends; open reservations end with the stock and days released; reinstating
restores sign-in and search but not the reservations; a suspension for a period ends by itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.auth import services as auth_services
from marketplace.auth import suspension
from marketplace.core.clock import HELSINKI, today_in_finland, utcnow
from marketplace.errors import Conflict, Forbidden, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Decision,
    DecisionAction,
    GroundKind,
    Language,
    Listing,
    ModerationTarget,
    Notification,
    Reservation,
    ReservationStatus,
    Role,
    User,
)
from marketplace.ops.jobs import run_once
from marketplace.reservations import bookings, materials
from marketplace.reservations.bookings import BookingRequest
from marketplace.reservations.materials import MaterialRequest
from marketplace.reservations.suspensions import LISTER_SUSPENDED, REQUESTER_SUSPENDED
from marketplace.search import services as search
from marketplace.search.indexing import extension
from marketplace.search.query import parse_query
from tests.partners.fixtures import Api, PartnerHandle
from tests.support import PASSWORD, Client, text

SESSION = "kera_session"
REMEMBER = "kera_remember"


def signed_in(client: Client) -> bool:
    return client.get("/account").status_code == 200


def tomorrow_at(hour: int = 16) -> datetime:
    return datetime.combine(today_in_finland() + timedelta(days=1), time(hour), HELSINKI)


def next_monday() -> date:
    today = today_in_finland()
    return today + timedelta(days=7 - today.weekday())


def reserve(requester: User, listing: Listing, quantity: int = 20) -> Reservation:
    return materials.reserve_material(
        requester, listing, MaterialRequest(quantity=Decimal(quantity), pickup_at=tomorrow_at())
    )


def book(requester: User, listing: Listing, units: int = 3) -> Reservation:
    start = next_monday()
    return bookings.book_equipment(
        requester, listing, BookingRequest(start, start + timedelta(days=2), units)
    )


def status_of(reservation: Reservation) -> ReservationStatus:
    db.session.expire_all()
    found = db.session.get(Reservation, reservation.id)
    assert found is not None
    return found.status


def status_reason(reservation: Reservation) -> str:
    db.session.expire_all()
    found = db.session.get(Reservation, reservation.id)
    assert found is not None
    return found.reason


def in_finnish(message: Any) -> str:
    with force_locale("fi"):
        return str(message)


def indexed() -> set[int]:
    extension().sync.drain(timeout=30)
    return set(extension().backend.fingerprints())


def found_ids(**args: Any) -> set[int]:
    extension().sync.drain(timeout=30)
    query, problems = parse_query({key: str(value) for key, value in args.items()})
    return {result.listing.id for result in search.search(query, problems).results}


def audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    return make_user(email="moderator@example.fi", name="Moderator", role=Role.MODERATOR)


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(email="admin@example.fi", name="Administrator", role=Role.ADMIN)


@pytest.fixture
def person(make_user: Callable[..., User]) -> User:
    return make_user(email="mikko@example.fi", name="Mikko", locale=Language.EN)


def test_sessions_and_remember_cookies_end_at_once(
    client: Client, new_client: Callable[..., Client], person: User, moderator: User
) -> None:
    client.sign_in(person.email)
    phone = new_client("10.0.0.2")
    response = phone.sign_in(person.email, remember="y")
    assert REMEMBER in " ".join(response.headers.getlist("Set-Cookie"))
    reopened = new_client("10.0.0.3")  # only the remember cookie is left of this browser
    cookie = phone.get_cookie(REMEMBER)
    assert cookie is not None
    reopened.set_cookie(REMEMBER, cookie.value)
    assert signed_in(client) and signed_in(phone) and signed_in(reopened)

    suspension.suspend(person, moderator, until=None)

    assert not signed_in(client)
    assert not signed_in(phone)
    assert not signed_in(reopened)
    assert audited("user.suspended")[0].details["sign_ins_ended"] == 2


def test_the_loader_refuses_a_suspended_user_even_with_a_valid_token(
    app: Flask, person: User, moderator: User
) -> None:
    suspension.suspend(person, moderator, until=utcnow() + timedelta(days=3))
    # A sign-in that slipped past the revocation (written by a request that raced it).
    token = auth_services.start_sign_in(person, remember=False)
    assert auth_services.user_for_token(token) is None


def test_sign_in_is_refused_saying_until_when_and_how_to_complain(
    client: Client, person: User, moderator: User
) -> None:
    until = datetime(2031, 3, 14, 10, 30, tzinfo=HELSINKI)
    suspension.suspend(person, moderator, until=until)
    response = client.submit(
        "/login",
        {"email": person.email, "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "This account is suspended until 3/14/31" in page
    assert "how to contest the decision" in page
    # Without the password, nothing about the account is told.
    wrong = client.submit(
        "/login",
        {"email": person.email, "password": "not the password"},
        headers={"Accept-Language": "en"},
    )
    assert "suspended" not in text(wrong)


def test_an_indefinite_suspension_says_so_in_the_persons_language(
    client: Client, make_user: Callable[..., User], moderator: User
) -> None:
    finn = make_user(email="liisa@example.fi", locale=Language.FI)
    suspension.suspend(finn, moderator, until=None)
    response = client.submit(
        "/login",
        {"email": finn.email, "password": PASSWORD},
        headers={"Accept-Language": "fi"},
    )
    assert response.status_code == 422
    with force_locale("fi"):
        assert str(_l("This account is suspended indefinitely.")) in text(response)


def test_the_api_keys_the_person_created_stop_at_once(
    api: Api, partner: PartnerHandle, moderator: User
) -> None:
    assert api.get("/inventory", partner.key).status_code == 200
    suspension.suspend(partner.owner, moderator, until=None)
    refused = api.get("/inventory", partner.key)
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert "suspended" in refused.get_json()["detail"]
    writing = api.put("/inventory/A", partner.key, body={})
    assert writing.status_code == 403

    suspension.reinstate(partner.owner, moderator)
    assert api.get("/inventory", partner.key).status_code == 200


@pytest.mark.search
def test_listings_leave_search_and_come_back_on_reinstatement(
    person: User, moderator: User, make_user: Callable[..., User], make_listing: Any
) -> None:
    bricks = make_listing(owner=person, title="Punatiilet Mikolta")
    draft = make_listing(owner=person, title="Punatiilet luonnos", publish=False)
    other = make_listing(owner=make_user(), title="Punatiilet naapurilta")
    assert {bricks.id, other.id} <= indexed()
    assert found_ids(q="punatiilet") == {bricks.id, other.id}

    suspension.suspend(person, moderator, until=None)
    assert bricks.id not in indexed()
    assert found_ids(q="punatiilet") == {other.id}
    assert search.check().drift == []

    suspension.reinstate(person, moderator)
    assert bricks.id in indexed() and draft.id not in indexed()
    assert found_ids(q="punatiilet") == {bricks.id, other.id}
    assert search.check().drift == []


def test_open_reservations_end_as_requester_and_as_lister_with_the_stock_back(
    person: User,
    moderator: User,
    make_user: Callable[..., User],
    make_listing: Any,
    make_rental: Any,
) -> None:
    neighbour = make_user(email="naapuri@example.fi", name="Naapuri", locale=Language.FI)
    theirs = make_listing(owner=neighbour, title="Naapurin tiilet")
    mine = make_listing(owner=person, title="Mikon tiilet")
    scaffolding = make_rental(owner=person)
    asked = reserve(person, theirs, 50)
    received = reserve(neighbour, mine, 30)
    booked = book(neighbour, scaffolding, units=3)
    db.session.refresh(theirs)
    assert theirs.quantity_available == 450

    suspension.suspend(person, moderator, until=None)

    for reservation in (asked, received, booked):
        assert status_of(reservation) == ReservationStatus.CANCELLED
    db.session.expire_all()
    assert db.session.get(Listing, theirs.id).quantity_available == 500  # type: ignore[union-attr]
    assert db.session.get(Listing, mine.id).quantity_available == 500  # type: ignore[union-attr]
    # The days are free again: once the lister is back, the whole fleet can be booked for them.
    suspension.reinstate(person, moderator)
    assert book(make_user(), scaffolding, units=3).status == ReservationStatus.REQUESTED
    # The other party is told why, in their language; the suspended person is not.
    notices = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "cancelled").order_by(Notification.id)
    ).all()
    assert {n.reservation_id for n in notices} == {asked.id, received.id, booked.id}
    assert {n.user_id for n in notices} == {neighbour.id}
    reasons = {n.reservation_id: n.data["reason"] for n in notices}
    assert reasons[asked.id] == in_finnish(REQUESTER_SUSPENDED)
    assert reasons[received.id] == reasons[booked.id] == in_finnish(LISTER_SUSPENDED)
    assert status_reason(received) == in_finnish(LISTER_SUSPENDED)
    event = audited("user.suspended")[0]
    assert event.details["reservations_cancelled"] == sorted([asked.id, received.id, booked.id])
    assert len(audited("reservation.cancelled")) == 3


def test_a_suspended_listers_listings_take_no_new_reservations(
    person: User, moderator: User, make_user: Callable[..., User], make_listing: Any
) -> None:
    bricks = make_listing(owner=person)
    suspension.suspend(person, moderator, until=None)
    with pytest.raises(Conflict):
        reserve(make_user(), bricks)
    suspension.reinstate(person, moderator)
    assert reserve(make_user(), bricks).status == ReservationStatus.REQUESTED


def test_reinstating_restores_sign_in_but_not_the_reservations(
    client: Client,
    person: User,
    moderator: User,
    make_user: Callable[..., User],
    make_listing: Any,
) -> None:
    asked = reserve(person, make_listing(owner=make_user()))
    suspension.suspend(person, moderator, until=None)
    assert suspension.is_suspended(person)
    suspension.reinstate(person, moderator)
    assert not suspension.is_suspended(person)
    client.sign_in(person.email)
    assert signed_in(client)
    assert status_of(asked) == ReservationStatus.CANCELLED
    assert [e.actor_id for e in audited("user.reinstated")] == [moderator.id]


@pytest.mark.search
def test_a_suspension_for_a_period_ends_by_itself(
    app: Flask, client: Client, person: User, moderator: User, make_listing: Any
) -> None:
    bricks = make_listing(owner=person)
    suspension.suspend(person, moderator, until=utcnow() + timedelta(days=7))
    assert bricks.id not in indexed()
    assert (
        not signed_in(client)
        and client.submit("/login", {"email": person.email, "password": PASSWORD}).status_code
        == 422
    )

    # A week passes.
    db.session.execute(
        sa.update(User)
        .where(User.id == person.id)
        .values(suspended_until=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    # Sign-in is by time: it works at once, before any job has run.
    client.sign_in(person.email)
    assert signed_in(client)
    assert search.check().missing == [bricks.id]

    assert run_once(app)["suspension ends"] == 1
    assert bricks.id in indexed()
    assert found_ids(q="punatiilet") == {bricks.id}
    db.session.commit()  # a new transaction, which sees what the job runner committed
    assert person.suspended_until is None and not person.suspended_indefinitely
    assert len(audited("user.suspension_ended")) == 1
    assert suspension.end_due() == 0  # ended once, whoever runs the job again


def test_who_may_suspend_whom(
    person: User, moderator: User, administrator: User, make_user: Callable[..., User]
) -> None:
    with pytest.raises(Forbidden):
        suspension.suspend(moderator, moderator, until=None)
    other_moderator = make_user(role=Role.MODERATOR)
    with pytest.raises(Forbidden):
        suspension.suspend(other_moderator, moderator, until=None)
    with pytest.raises(Forbidden):
        suspension.suspend(administrator, None, until=None)
    with pytest.raises(ValidationError):
        suspension.suspend(person, moderator, until=utcnow() - timedelta(hours=1))
    suspension.suspend(other_moderator, administrator, until=None)
    assert other_moderator.is_suspended()


def decision_about(person: User, moderator: User, until: datetime) -> Decision:
    decision = Decision(
        target_type=ModerationTarget.USER,
        target_id=person.id,
        affected_user_id=person.id,
        action=DecisionAction.SUSPEND_TEMPORARILY,
        ground_kind=GroundKind.TERMS,
        ground="Terms 4.2",
        facts="Repeated spam listings.",
        decided_by_id=moderator.id,
        suspended_until=until,
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def test_a_decision_suspends_in_its_own_transaction(person: User, moderator: User) -> None:
    until = utcnow() + timedelta(days=30)
    decision = decision_about(person, moderator, until)
    suspension.suspend(person, moderator, until=until, decision=decision, commit=False)
    db.session.rollback()
    db.session.expire_all()
    assert not person.is_suspended() and audited("user.suspended") == []

    decision = decision_about(person, moderator, until)
    suspension.suspend(person, moderator, until=until, decision=decision, commit=False)
    db.session.commit()
    db.session.expire_all()
    assert person.is_suspended() and person.suspension_decision_id == decision.id
    assert audited("user.suspended")[0].details["decision"] == decision.id
