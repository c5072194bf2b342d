"""Reservations on the partner's items: listed and filtered, answered through the same
services as the pages, and invisible to other partners."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from marketplace.core.clock import today_in_finland, utcnow
from marketplace.extensions import db
from marketplace.models import Listing, Reservation, ReservationStatus, User
from marketplace.reservations import bookings, materials
from marketplace.reservations.bookings import BookingRequest
from marketplace.reservations.materials import MaterialRequest
from tests.partners.fixtures import Api, PartnerHandle, rental_item, sale_item
from tests.reservations.conftest import tomorrow_at


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(email="resident@example.fi", name="Resident")


def pushed(api: Api, partner: PartnerHandle, item: dict[str, Any]) -> Listing:
    response = api.put(f"/inventory/{item['external_id']}", partner.key, item)
    assert response.status_code == 201, response.get_json()
    listing = db.session.get(Listing, response.get_json()["item"]["id"])
    assert listing is not None
    return listing


@pytest.fixture
def booking(api: Api, partner: PartnerHandle, resident: User) -> Reservation:
    listing = pushed(api, partner, rental_item())
    start = today_in_finland() + timedelta(days=3)
    request = BookingRequest(start, start + timedelta(days=2), 1, message="Katon korjaus")
    return bookings.book_equipment(resident, listing, request)


def reload(reservation: Reservation) -> Reservation:
    db.session.expire_all()
    found = db.session.get(Reservation, reservation.id)
    assert found is not None
    return found


def test_the_list_shows_reservations_on_the_partners_items(
    api: Api, partner: PartnerHandle, booking: Reservation
) -> None:
    page = api.get("/reservations", partner.key).get_json()
    assert [r["id"] for r in page["items"]] == [booking.id] and page["next_cursor"] is None
    found = page["items"][0]
    assert found["status"] == "requested"
    assert found["listing"]["external_id"] == "SCAF-1"
    assert found["requester"] == {"name": "Resident"}
    assert found["price"]["currency"] == "EUR" and found["message"] == "Katon korjaus"
    assert "pickup_code" not in found and "email" not in str(found)
    detail = api.get(f"/reservations/{booking.id}", partner.key).get_json()
    assert detail == found


def test_filters_by_status_and_time(api: Api, partner: PartnerHandle, booking: Reservation) -> None:
    assert len(api.get("/reservations?status=requested", partner.key).get_json()["items"]) == 1
    assert api.get("/reservations?status=accepted", partner.key).get_json()["items"] == []
    both = "/reservations?status=accepted&status=requested"
    assert len(api.get(both, partner.key).get_json()["items"]) == 1
    later = (utcnow() + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert api.get(f"/reservations?updated_since={later}", partner.key).get_json()["items"] == []
    assert api.get("/reservations?status=lost", partner.key).status_code == 422


def test_accept_then_complete_with_the_pickup_code(
    api: Api, partner: PartnerHandle, booking: Reservation
) -> None:
    accepted = api.post(f"/reservations/{booking.id}/accept", partner.key)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    again = api.post(f"/reservations/{booking.id}/accept", partner.key)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert "current status" in again.get_json()["detail"]
    wrong = api.post(f"/reservations/{booking.id}/complete", partner.key, {"code": "NOPE"})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "code"
    code = reload(booking).pickup_code
    done = api.post(f"/reservations/{booking.id}/complete", partner.key, {"code": code})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    assert reload(booking).status == ReservationStatus.COMPLETED


def test_decline_releases_the_stock(api: Api, partner: PartnerHandle, resident: User) -> None:
    pushed(api, partner, rental_item("X"))  # the site
    listing = pushed(api, partner, sale_item())
    reservation = materials.reserve_material(
        resident, listing, MaterialRequest(Decimal(100), tomorrow_at())
    )
    response = api.post(
        f"/reservations/{reservation.id}/decline", partner.key, {"reason": "Myyty jo"}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "declined"
    assert response.get_json()["reason"] == "Myyty jo"
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).quantity_available == 500  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("complete", None, 422),
        ("complete", {"code": 5}, 422),
        ("complete", ["code"], 422),
        ("decline", {"reason": "x" * 501}, 422),
        ("accept", "nonsense", 400),
    ],
)
def test_bad_bodies_are_refused(
    api: Api, partner: PartnerHandle, booking: Reservation, path: str, body: Any, status: int
) -> None:
    response = api.post(f"/reservations/{booking.id}/{path}", partner.key, body)
    assert response.status_code == status
    assert reload(booking).status == ReservationStatus.REQUESTED


def test_other_partners_reservations_are_invisible(
    api: Api, partner: PartnerHandle, other_partner: PartnerHandle, booking: Reservation
) -> None:
    assert api.get("/reservations", other_partner.key).get_json()["items"] == []
    assert api.get(f"/reservations/{booking.id}", other_partner.key).status_code == 404
    for action in ("accept", "decline"):
        response = api.post(f"/reservations/{booking.id}/{action}", other_partner.key)
        assert response.status_code == 404
    assert reload(booking).status == ReservationStatus.REQUESTED
    assert api.get("/reservations/999999", partner.key).status_code == 404


def test_reservations_on_the_partners_other_listings_are_listed_too(
    api: Api,
    partner: PartnerHandle,
    resident: User,
    make_site: Callable[..., Any],
    make_listing: Callable[..., Listing],
) -> None:
    """The key acts for the organisation: listings its people typed in count as well."""
    site = make_site(partner.owner, partner.organisation)
    typed = make_listing(owner=partner.owner, site=site)
    materials.reserve_material(resident, typed, MaterialRequest(Decimal(5), tomorrow_at()))
    items = api.get("/reservations", partner.key).get_json()["items"]
    assert [r["listing"]["external_id"] for r in items] == [None]


def test_the_list_pages_with_a_cursor(
    api: Api, partner: PartnerHandle, resident: User, make_user: Callable[..., User]
) -> None:
    pushed(api, partner, rental_item("X"))
    listing = pushed(api, partner, sale_item())
    for _ in range(5):
        materials.reserve_material(make_user(), listing, MaterialRequest(Decimal(1), tomorrow_at()))
    seen: list[int] = []
    url = "/reservations?limit=2"
    while url:
        page = api.get(url, partner.key).get_json()
        seen += [r["id"] for r in page["items"]]
        url = f"/reservations?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Reservation))
    assert len(seen) == len(set(seen)) == total == 5


def test_an_idempotent_accept_replays_its_answer(
    api: Api, partner: PartnerHandle, booking: Reservation
) -> None:
    headers = {"Idempotency-Key": "accept-1"}
    first = api.post(f"/reservations/{booking.id}/accept", partner.key, headers=headers)
    again = api.post(f"/reservations/{booking.id}/accept", partner.key, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
