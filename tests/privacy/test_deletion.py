"""Deleting an account leaves no personal data (the whole database is searched for the
person's e-mail, name and phone afterwards), keeps what others need, changes the impact
figures not at all, and can be done only by the person, with their password."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.errors import Conflict, ValidationError
from marketplace.extensions import db
from marketplace.impact import services as impact
from marketplace.models import (
    Complaint,
    Decision,
    Listing,
    ListingPhoto,
    ListingStatus,
    MemberRole,
    Membership,
    Notice,
    Notification,
    Organisation,
    Reservation,
    ReservationStatus,
    SavedSearch,
    SignIn,
    Site,
    User,
    WebhookDelivery,
)
from marketplace.organisations import services as organisations
from marketplace.privacy import deletion
from marketplace.sites import places
from tests.privacy.conftest import EMAIL, NAME, PHONE, World
from tests.support import PASSWORD, Client, text

EN = {"Accept-Language": "en"}
TEXT_TYPES = (sa.String, sa.Text, sa.JSON)


def reflected_text_columns() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """Every text column of every table the database has, models or not."""
    metadata = sa.MetaData()
    metadata.reflect(db.engine)
    return [
        (table, column)
        for _name, table in sorted(metadata.tables.items())
        for column in table.columns
        if isinstance(column.type, TEXT_TYPES)
    ]


def where_found(*needles: str) -> list[str]:
    found = []
    for table, column in reflected_text_columns():
        as_text = sa.func.lower(sa.cast(column, sa.Text))
        for needle in needles:
            hits = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(table)
                .where(as_text.like(f"%{needle.lower()}%"))
            )
            if hits:
                found.append(f"{table.name}.{column.name} holds {needle!r} ({hits} rows)")
    return found


def delete(browser: Client, password: str = PASSWORD, confirm: str = "y") -> Any:
    return browser.submit("/account/delete", {"password": password, "confirm": confirm}, headers=EN)


def reservation_facts(reservation: Reservation) -> tuple[Any, ...]:
    found = db.session.get(Reservation, reservation.id)
    assert found is not None
    return (
        found.status,
        found.quantity,
        found.start_date,
        found.end_date,
        found.pickup_at,
        found.price_cents,
        found.mass_kg,
        found.co2e_kg,
        found.listing_id,
    )


def test_the_search_finds_the_person_before_deletion(app: Flask, world: World) -> None:
    """The search below is only worth something if it finds what it looks for."""
    found = "\n".join(where_found(EMAIL, NAME, PHONE))
    for place in (
        "users.email",
        "users.display_name",
        "sites.name",
        "listings.description",
        "listings.pickup_instructions",
        "reservations.message",
        "reservations.reason",
        "reservation_events.text",
        "notifications.data",
        "saved_searches.name",
        "notices.reporter_name",
        "notices.reporter_email",
        "complaints.text",
        "complaints.complainant_email",
        "webhook_deliveries.payload",
        "audit_events.details",
    ):
        assert place in found, place


def test_deletion_leaves_no_personal_data_and_the_impact_unchanged(
    app: Flask, world: World, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(world.person)
    other_device = signed_in(world.person)
    totals = impact.totals()
    by_area = impact.by_postal_area()
    kept = {r.id: reservation_facts(r) for r in (world.done_on_mine, world.done_by_person)}
    stock_before = world.their_listing.quantity_available

    page = text(browser.get("/account/delete", headers=EN))
    assert "Your 1 open listing is withdrawn." in page
    assert "2 open reservations are cancelled" in page
    answer = delete(browser)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    db.session.expire_all()

    assert where_found(EMAIL, NAME, PHONE) == []
    assert impact.totals() == totals
    assert impact.by_postal_area() == by_area
    for reservation_id, facts in kept.items():
        reservation = db.session.get(Reservation, reservation_id)
        assert reservation is not None and reservation_facts(reservation) == facts

    # Signed out everywhere, and no way back in.
    assert browser.get("/account").status_code == 302
    assert other_device.get("/account").status_code == 302
    refused = app.test_client().post(
        "/login", data={"email": EMAIL, "password": PASSWORD}, headers=EN
    )
    assert refused.status_code != 302
    person = db.session.get(User, world.person.id)
    assert person is not None
    assert person.deleted_at is not None and not person.active
    assert person.email == f"deleted-{person.id}@deleted.invalid"
    for model in (SignIn, Notification, SavedSearch, Membership):
        column = model.user_id  # type: ignore[attr-defined]
        assert db.session.scalar(sa.select(sa.func.count()).where(column == person.id)) == 0

    # Her open reservations are cancelled through the state machine; the other party knows.
    for reservation in (world.open_on_mine, world.open_by_person):
        cancelled = db.session.get(Reservation, reservation.id)
        assert cancelled is not None and cancelled.status == ReservationStatus.CANCELLED
    their_listing = db.session.get(Listing, world.their_listing.id)
    assert their_listing is not None
    assert their_listing.quantity_available == stock_before + Decimal(10)
    told = db.session.scalars(
        sa.select(Notification.data).where(
            Notification.user_id == world.other.id, Notification.kind == "cancelled"
        )
    ).all()
    assert len(told) == 2
    assert all(data["reason"] == "The other party has deleted their account." for data in told)
    cancelled_hook = db.session.scalar(
        sa.select(WebhookDelivery.payload).where(
            WebhookDelivery.event == "reservation.cancelled",
            WebhookDelivery.reservation_id == world.open_by_person.id,
        )
    )
    assert cancelled_hook is not None
    hooked = json.loads(cancelled_hook)["data"]["reservation"]
    assert hooked["requester"]["name"] == person.display_name and hooked["message"] == ""

    # Her own listing is withdrawn, without its texts and photos; her home keeps only its
    # postal area and a point on the public grid.
    own = db.session.get(Listing, world.own_listing.id)
    assert own is not None and own.status == ListingStatus.CLOSED
    assert own.description == "" and own.pickup_instructions == ""
    photos = sa.select(sa.func.count()).where(ListingPhoto.listing_id == own.id)
    assert db.session.scalar(photos) == 0
    home = db.session.get(Site, world.home.id)
    assert home is not None and (home.name, home.address) == ("", "")
    assert (home.postal_code, home.city) == ("02650", "Espoo")
    assert (home.latitude, home.longitude) == places.snapped(60.2181, 24.7544)

    # The organisation keeps its listing, its open reservation and an owner who manages it.
    org_listing = db.session.get(Listing, world.org_listing.id)
    assert org_listing is not None and org_listing.owner_id == world.colleague.id
    assert org_listing.status == ListingStatus.ACTIVE
    on_org = db.session.get(Reservation, world.open_on_org.id)
    assert on_org is not None and on_org.status == ReservationStatus.REQUESTED

    # Notices, decisions and complaints stay for the transparency report, without her.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 2
    assert db.session.scalars(sa.select(Notice.reporter_user_id)).all() == [None, None]
    decision = db.session.scalar(sa.select(Decision))
    assert decision is not None and decision.affected_user_id is None
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint is not None and complaint.complainant_user_id is None


def test_the_same_e_mail_address_can_register_again(
    app: Flask, world: World, signed_in: Callable[[User], Client]
) -> None:
    assert delete(signed_in(world.person)).status_code == 302
    newcomer: Client = app.test_client()  # type: ignore[assignment]
    registered = newcomer.submit(
        "/register",
        {
            "email": EMAIL,
            "display_name": NAME,
            "password": PASSWORD,
            "password_again": PASSWORD,
            "locale": "fi",
            "accept_terms": "y",
        },
    )
    assert registered.status_code == 302
    assert newcomer.get("/account").status_code == 200


def test_a_wrong_password_deletes_nothing(
    app: Flask, world: World, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(world.person)
    refused = delete(browser, password="not the password at all")
    assert refused.status_code == 422
    assert "The password is not right." in text(refused)
    unconfirmed = delete(browser, confirm="")
    assert unconfirmed.status_code == 422
    db.session.expire_all()
    person = db.session.get(User, world.person.id)
    assert person is not None and person.email == EMAIL and person.active
    assert browser.get("/account").status_code == 200


def test_deleting_needs_the_form_token(
    app: Flask, world: World, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(world.person)
    forged = browser.post(
        "/account/delete", data={"password": PASSWORD, "confirm": "y"}, headers=EN
    )
    assert forged.status_code == 400
    db.session.expire_all()
    person = db.session.get(User, world.person.id)
    assert person is not None and person.deleted_at is None


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, client: Client) -> None:
    for path in ("/account/delete", "/account/data.json", "/account/data.html"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert client.submit("/account/delete", {"password": PASSWORD}).status_code == 302


def test_the_last_owner_hands_the_organisation_over_first(
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    signed_in: Callable[[User], Client],
) -> None:
    owner = make_user(email="yksin@example.fi")
    member = make_user(email="jasen@example.fi")
    organisation = make_organisation(owner, name="Yksin Oy", members=(member,))
    browser = signed_in(owner)

    page = text(browser.get("/account/delete", headers=EN))
    assert 'id="deletion-blocked"' in page and "Yksin Oy" in page
    refused = delete(browser)
    assert refused.status_code == 422
    assert "You are the last owner of Yksin Oy" in text(refused)
    with pytest.raises(Conflict):
        deletion.delete_account(owner, PASSWORD)

    organisations.change_member_role(organisation, owner, member.id, MemberRole.OWNER)
    assert delete(browser).status_code == 302
    db.session.expire_all()
    assert organisations.membership(organisation.id, member) is not None
    left = db.session.scalars(
        sa.select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    ).all()
    assert left == [member.id]


def test_the_service_asks_for_the_password(app: Flask, world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        deletion.delete_account(world.person, "wrong")
    assert refused.value.field == "password"
    deletion.delete_account(world.person, PASSWORD)
    with pytest.raises(ValidationError):
        deletion.delete_account(world.person, PASSWORD)  # cannot be done, or undone, twice
