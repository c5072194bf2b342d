"""The users pages: who may open and use them, finding people, a person's page, roles, and
suspension, reinstatement and signing out from the console."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from marketplace.admin import people
from marketplace.auth import suspension
from marketplace.core.clock import HELSINKI, today_in_finland
from marketplace.errors import Conflict, Forbidden
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Decision,
    DecisionAction,
    Listing,
    Notification,
    Reservation,
    ReservationStatus,
    Role,
    User,
)
from marketplace.reservations import materials
from marketplace.reservations.materials import MaterialRequest
from tests.admin.conftest import part
from tests.support import Client, text


def reserve(requester: User, listing: Listing) -> Reservation:
    pickup = datetime.combine(today_in_finland() + timedelta(days=1), time(16), HELSINKI)
    request = MaterialRequest(quantity=Decimal(20), pickup_at=pickup)
    return materials.reserve_material(requester, listing, request)


FACTS = "Sold stolen copper cable twice, see notices 4 and 5."


def suspend_form(**changes: str) -> dict[str, str]:
    return {"length": "7", "ground": "stolen-goods", "ground_detail": "", "facts": FACTS, **changes}


def routes(person: User) -> list[tuple[str, str, dict[str, str], str]]:
    """(method, path, form, who may use it: "moderator" or "admin")."""
    base = f"/admin/users/{person.id}"
    return [
        ("GET", "/admin/users", {}, "moderator"),
        ("GET", base, {}, "moderator"),
        ("POST", f"{base}/role", {"role": "moderator"}, "admin"),
        ("POST", f"{base}/suspend", suspend_form(), "moderator"),
        ("POST", f"{base}/reinstate", {}, "moderator"),
        ("POST", f"{base}/sign-out", {}, "moderator"),
        ("GET", "/admin/audit", {}, "admin"),
    ]


def call(browser: Client, method: str, path: str, form: dict[str, str]) -> Any:
    return browser.get(path) if method == "GET" else browser.submit(path, form)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def signed_in_to(browser: Client) -> bool:
    return browser.get("/account").status_code == 200


@pytest.fixture
def person(make_user: Callable[..., User]) -> User:
    return make_user(email="mikko.virtanen@example.fi", name="Mikko Virtanen")


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, person: User) -> None:
    for method, path, form, _who in routes(person):
        response = call(client, method, path, form)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_residents_are_refused_every_route(
    resident: User, person: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(resident)
    for method, path, form, _who in routes(person):
        assert call(browser, method, path, form).status_code == 403, path
    db.session.expire_all()
    assert person.role == Role.MEMBER and not person.is_suspended()


def test_moderators_are_refused_the_admin_routes_only(
    moderator: User, person: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(moderator)
    for method, path, form, who in routes(person):
        response = call(browser, method, path, form)
        if who == "admin":
            assert response.status_code == 403, path
        else:
            assert response.status_code in (200, 302), path
    db.session.expire_all()
    assert person.role == Role.MEMBER


def test_admins_may_use_every_route(
    administrator: User, person: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(administrator)
    for method, path, form, _who in routes(person):
        assert call(browser, method, path, form).status_code in (200, 302), path
    db.session.expire_all()
    assert person.role == Role.MODERATOR


def test_the_navigation_shows_users_to_moderators_and_the_trail_to_admins(
    moderator: User, administrator: User, signed_in: Callable[[User], Client]
) -> None:
    page = text(signed_in(moderator).get("/admin/"))
    assert 'href="/admin/users">Users</a>' in page and "/admin/audit" not in page
    page = text(signed_in(administrator).get("/admin/"))
    assert 'href="/admin/users">Users</a>' in page and 'href="/admin/audit"' in page


def test_people_are_found_by_e_mail_or_name_a_page_at_a_time(
    moderator: User, make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    make_user(email="liisa@example.fi", name="Liisa Korhonen")
    make_user(email="pekka@example.fi", name="Pekka Korhonen")
    for number in range(people.PER_PAGE + 2):
        make_user(email=f"many{number:02d}@example.fi", name=f"Many {number}")
    browser = signed_in(moderator)
    found = text(browser.get("/admin/users?q=KORHONEN"))
    assert "liisa@example.fi" in found and "pekka@example.fi" in found
    assert "many00@example.fi" not in found
    assert "liisa@example.fi" in text(browser.get("/admin/users?q=liisa@"))
    # LIKE's wildcards are taken as they are typed.
    assert "Nobody matches." in text(browser.get("/admin/users?q=%25"))
    first = text(browser.get("/admin/users?q=many"))
    assert "many00@example.fi" in first and "many26@example.fi" not in first
    assert 'href="/admin/users?page=2&amp;q=many"' in first
    second = text(browser.get("/admin/users?q=many&page=2"))
    assert "many26@example.fi" in second and "many00@example.fi" not in second


def test_a_persons_page_shows_their_account(
    moderator: User,
    person: User,
    make_user: Callable[..., User],
    make_organisation: Any,
    make_listing: Any,
    signed_in: Callable[[User], Client],
) -> None:
    signed_in(person)  # a sign-in to list
    make_organisation(owner=person, name="Virtasen Purku Oy")
    bricks = make_listing(owner=person, title="Punatiilet")
    make_listing(owner=person, publish=False)
    reservation = reserve(make_user(name="Naapuri"), bricks)
    suspension.suspend(person, moderator, until=None)
    suspension.reinstate(person, moderator)
    reservation = reserve(make_user(name="Toinen naapuri"), bricks)
    page = text(signed_in(moderator).get(f"/admin/users/{person.id}"))
    assert "mikko.virtanen@example.fi" in page and "Member" in page
    assert "Virtasen Purku Oy" in part(page, "organisations")
    assert "2 (Published: 1, Draft: 1)" in page
    reservations = part(page, "open-reservations")
    assert f"#{reservation.id}" in reservations and "Toinen naapuri" in reservations
    assert "still signed in" not in part(page, "sign-ins")  # the suspension ended them
    assert "Change the role" not in page  # moderators do not change roles


def test_moderators_see_but_cannot_act_on_moderators_and_admins(
    moderator: User,
    administrator: User,
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
) -> None:
    browser = signed_in(moderator)
    page = text(browser.get(f"/admin/users/{administrator.id}"))
    assert "Only an administrator can act" in page and "Sign out everywhere" not in page
    colleague = make_user(role=Role.MODERATOR)
    for action, form in (("suspend", suspend_form()), ("sign-out", {}), ("reinstate", {})):
        response = browser.submit(f"/admin/users/{colleague.id}/{action}", form)
        assert response.status_code == 403, action
    assert not colleague.is_suspended()


def test_roles_change_by_admins_and_the_last_admin_stays(
    administrator: User, person: User, make_user: Callable[..., User]
) -> None:
    people.change_role(administrator, person, Role.MODERATOR)
    assert person.role == Role.MODERATOR
    with pytest.raises(Forbidden):
        people.change_role(person, administrator, Role.MEMBER)
    with pytest.raises(Conflict):
        people.change_role(administrator, administrator, Role.MEMBER)
    # A suspended admin cannot lift anyone's suspension: they do not count.
    second = make_user(role=Role.ADMIN)
    suspension.suspend(second, administrator, until=None)
    with pytest.raises(Conflict):
        people.change_role(administrator, administrator, Role.MODERATOR)
    suspension.reinstate(second, administrator)
    people.change_role(administrator, administrator, Role.MODERATOR)
    assert administrator.role == Role.MODERATOR
    changes = events("user.role_changed")
    assert [(e.object_id, e.details["before"], e.details["after"]) for e in changes] == [
        (person.id, "member", "moderator"),
        (administrator.id, "admin", "moderator"),
    ]


def test_the_last_admin_cannot_be_demoted_from_the_page(
    administrator: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(administrator)
    response = browser.submit(f"/admin/users/{administrator.id}/role", {"role": "member"})
    assert response.status_code == 422
    assert "last administrator" in text(response)
    db.session.expire_all()
    assert administrator.role == Role.ADMIN


def test_suspending_from_the_page_decides_and_sends_the_statement(
    moderator: User,
    person: User,
    make_user: Callable[..., User],
    make_listing: Any,
    signed_in: Callable[[User], Client],
) -> None:
    victim_browser = signed_in(person)
    bricks = make_listing(owner=make_user())
    held = reserve(person, bricks)
    browser = signed_in(moderator)
    response = browser.submit(f"/admin/users/{person.id}/suspend", suspend_form(length="30"))
    assert response.status_code == 302
    db.session.expire_all()
    assert person.is_suspended() and person.suspended_until is not None
    decision = db.session.scalars(sa.select(Decision)).one()
    assert decision.action == DecisionAction.SUSPEND_TEMPORARILY
    assert decision.affected_user_id == person.id and decision.decided_by_id == moderator.id
    assert decision.facts == FACTS and decision.statement_sent_at is not None
    assert person.suspension_decision_id == decision.id
    assert decision.suspended_until == person.suspended_until
    statement = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "moderation_decision")
    ).one()
    assert statement.user_id == person.id
    assert not signed_in_to(victim_browser)
    assert db.session.get(Reservation, held.id).status == ReservationStatus.CANCELLED  # type: ignore[union-attr]
    assert [e.actor_id for e in events("user.suspended")] == [moderator.id]
    assert "Suspended until" in text(browser.get(f"/admin/users/{person.id}"))


def test_an_indefinite_suspension_and_a_refused_form(
    administrator: User, person: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(administrator)
    refused = browser.submit(f"/admin/users/{person.id}/suspend", suspend_form(facts="short"))
    assert refused.status_code == 422
    other = browser.submit(f"/admin/users/{person.id}/suspend", suspend_form(ground="other-law"))
    assert other.status_code == 422 and "Name the provision" in text(other)
    db.session.expire_all()
    assert not person.is_suspended()
    response = browser.submit(
        f"/admin/users/{person.id}/suspend", suspend_form(length="indefinitely")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert person.suspended_indefinitely
    assert db.session.scalars(sa.select(Decision.action)).one() == (
        DecisionAction.SUSPEND_INDEFINITELY
    )
    # Nobody suspends themselves.
    own = browser.submit(f"/admin/users/{administrator.id}/suspend", suspend_form())
    assert own.status_code == 403


def test_reinstating_from_the_page(
    moderator: User, person: User, client: Client, signed_in: Callable[[User], Client]
) -> None:
    suspension.suspend(person, moderator, until=None)
    browser = signed_in(moderator)
    response = browser.submit(f"/admin/users/{person.id}/reinstate")
    assert response.status_code == 302
    db.session.expire_all()
    assert not person.is_suspended()
    client.sign_in(person.email)
    again = browser.submit(f"/admin/users/{person.id}/reinstate", follow_redirects=True)
    assert "This account is not suspended." in text(again)


def test_signing_someone_out_everywhere(
    moderator: User,
    person: User,
    new_client: Callable[..., Client],
    signed_in: Callable[[User], Client],
) -> None:
    laptop, phone = signed_in(person), new_client("10.0.0.7")
    phone.sign_in(person.email, remember="y")
    response = signed_in(moderator).submit(
        f"/admin/users/{person.id}/sign-out", follow_redirects=True
    )
    assert "2 sessions of Mikko Virtanen were ended." in text(response)
    assert not signed_in_to(laptop) and not signed_in_to(phone)
    event = events("user.signed_out_everywhere")[0]
    assert event.actor_id == moderator.id and event.details == {"sign_ins_ended": 2}
    # They can sign in again: this is no suspension.
    laptop.sign_in(person.email)
    assert signed_in_to(laptop)
