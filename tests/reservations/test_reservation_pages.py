from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import Listing, Notification, Reservation, ReservationStatus, User
from tests.reservations.conftest import next_monday
from tests.support import Client, text


def form_token(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def the_reservation() -> Reservation:
    db.session.expire_all()
    reservation = db.session.scalar(sa.select(Reservation))
    assert reservation is not None
    return reservation


def test_reserving_from_the_listing_page(
    app: Flask, client: Client, bricks: Listing, requester: User
) -> None:
    client.sign_in("resident@example.fi")
    page = text(client.get(f"/listings/{bricks.id}", headers={"Accept-Language": "en"}))
    assert "Reserve" in page
    tomorrow = (bricks.available_from + timedelta(days=1)).isoformat()
    data = {
        "quantity": "20",
        "pickup_date": tomorrow,
        "pickup_time": "16:00",
        "message": "Lauantaina?",
        "request_id": form_token(page, "request_id"),
    }
    response = client.submit(f"/reservations/new/{bricks.id}", data)
    assert response.status_code == 302
    again = client.submit(f"/reservations/new/{bricks.id}", data)  # a double tap
    assert again.headers["Location"] == response.headers["Location"]
    reservation = the_reservation()
    assert reservation.quantity == 20 and reservation.status == ReservationStatus.REQUESTED
    detail = text(client.get(response.headers["Location"], headers={"Accept-Language": "en"}))
    assert "Waiting for the lister to answer." in detail and "Lauantaina?" in detail
    assert "Punatiilet" in text(client.get("/reservations/"))


def test_bad_reservation_input_is_shown_at_the_field(
    app: Flask, client: Client, bricks: Listing, requester: User
) -> None:
    client.sign_in("resident@example.fi")
    tomorrow = (bricks.available_from + timedelta(days=1)).isoformat()
    for quantity, message in [("2,5", "whole numbers"), ("9999", "Only 500"), ("x", "number")]:
        response = client.submit(
            f"/reservations/new/{bricks.id}",
            {"quantity": quantity, "pickup_date": tomorrow, "pickup_time": "16:00"},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 422
        assert message in text(response)
        assert f'value="{quantity}"' in text(response)
    past = client.submit(
        f"/reservations/new/{bricks.id}",
        {"quantity": "5", "pickup_date": "2020-01-01", "pickup_time": "10:00"},
        headers={"Accept-Language": "en"},
    )
    assert past.status_code == 422 and "future" in text(past)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0


def test_the_lister_accepts_and_hands_over_with_the_code(
    app: Flask, client: Client, new_client: Any, bricks: Listing, requester: User, reserve: Any
) -> None:
    reservation = reserve(requester, bricks, 20)
    client.sign_in("lister@example.fi")
    requests = text(client.get("/reservations/requests"))
    assert "Punatiilet" in requests and "Resident" in requests
    assert client.submit(f"/reservations/{reservation.id}/accept").status_code == 302
    resident = new_client()
    resident.sign_in("resident@example.fi")
    page = text(resident.get(f"/reservations/{reservation.id}"))
    code = the_reservation().pickup_code
    assert code in page
    qr = resident.get(f"/reservations/{reservation.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.headers["Cache-Control"] == "no-store"  # it holds the pickup code
    scanned = client.get(f"/reservations/{reservation.id}/handover?code={code}")
    assert f'value="{code}"' in text(scanned)
    wrong = client.submit(
        f"/reservations/{reservation.id}/handover",
        {"code": "AAAAAA"},
        headers={"Accept-Language": "en"},
    )
    assert wrong.status_code == 422 and "does not match" in text(wrong)
    done = client.submit(f"/reservations/{reservation.id}/handover", {"code": code})
    assert done.status_code == 302
    assert the_reservation().status == ReservationStatus.COMPLETED


def test_declining_with_a_reason(
    app: Flask, client: Client, bricks: Listing, requester: User, reserve: Any
) -> None:
    reservation = reserve(requester, bricks, 20)
    client.sign_in("lister@example.fi")
    client.submit(
        f"/reservations/{reservation.id}/decline", {"decline-reason": "Varattu jo naapurille."}
    )
    declined = the_reservation()
    assert declined.status == ReservationStatus.DECLINED
    assert declined.reason == "Varattu jo naapurille."
    again = client.submit(
        f"/reservations/{reservation.id}/accept", headers={"Accept-Language": "en"}
    )
    assert again.status_code == 302  # refused with a message, not an error page
    assert the_reservation().status == ReservationStatus.DECLINED


def test_messages_and_notifications(
    app: Flask, client: Client, new_client: Any, bricks: Listing, requester: User, reserve: Any
) -> None:
    reservation = reserve(requester, bricks, 20)
    client.sign_in("lister@example.fi")
    assert (
        client.submit(
            f"/reservations/{reservation.id}/messages", {"text": "Tervetuloa klo 10."}
        ).status_code
        == 302
    )
    resident = new_client()
    resident.sign_in("resident@example.fi")
    assert "Tervetuloa klo 10." in text(resident.get(f"/reservations/{reservation.id}"))
    notifications = text(resident.get("/notifications", headers={"Accept-Language": "en"}))
    assert "New message about" in notifications
    resident.submit("/notifications/read")
    unread = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == requester.id, Notification.read_at.is_(None))
    )
    assert unread == 0
    assert (
        client.submit(
            f"/reservations/{reservation.id}/messages",
            {"text": ""},
            headers={"Accept-Language": "en"},
        ).status_code
        == 422
    )


def test_booking_equipment_from_its_page(
    app: Flask, client: Client, scaffolding: Listing, requester: User
) -> None:
    client.sign_in("resident@example.fi")
    page = text(client.get(f"/listings/{scaffolding.id}", headers={"Accept-Language": "en"}))
    assert "Free units, next six weeks" in page
    monday = next_monday()
    response = client.submit(
        f"/reservations/new/{scaffolding.id}",
        {
            "start": monday.isoformat(),
            "end": (monday + timedelta(days=4)).isoformat(),
            "units": "2",
            "request_id": form_token(page, "request_id"),
        },
    )
    assert response.status_code == 302
    booking = the_reservation()
    assert booking.days == 5 and booking.price_cents == 36000
    short = client.submit(
        f"/reservations/new/{scaffolding.id}",
        {"start": monday.isoformat(), "end": monday.isoformat(), "units": "1"},
        headers={"Accept-Language": "en"},
    )
    assert short.status_code == 422 and "minimum hire" in text(short)


def test_signed_out_visitors_are_asked_to_sign_in(client: Client, bricks: Listing) -> None:
    page = text(client.get(f"/listings/{bricks.id}", headers={"Accept-Language": "en"}))
    assert "Sign in to reserve" in page
    assert client.get(f"/reservations/new/{bricks.id}").status_code == 302


def test_wanted_ads_and_own_listings_offer_no_reservation(
    app: Flask, client: Client, bricks: Listing, lister: User, make_listing: Any
) -> None:
    from marketplace.models import ListingKind

    wanted = make_listing(owner=lister, kind=ListingKind.WANTED, condition=None)
    client.sign_in("lister@example.fi")
    assert 'action="/reservations/new/' not in text(client.get(f"/listings/{bricks.id}"))
    assert client.get(f"/reservations/new/{wanted.id}").status_code == 404
