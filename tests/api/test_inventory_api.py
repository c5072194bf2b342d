"""The inventory endpoints: items onto listings, unchanged data as a no-op,
per-item results in batches, replace mode, withdrawals, paging, and every error status."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from marketplace.core.clock import today_in_finland, utcnow
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Listing,
    ListingKind,
    ListingSource,
    ListingStatus,
    PriceModel,
    Reservation,
    ReservationStatus,
    Site,
    SyncRun,
    User,
)
from marketplace.partners.items import ItemInput
from marketplace.reservations import bookings, materials, transitions
from marketplace.reservations.bookings import BookingRequest
from marketplace.reservations.materials import MaterialRequest
from tests.partners.fixtures import (
    IMAGE_HEADERS,
    Api,
    LocalServer,
    PartnerHandle,
    rental_item,
    sale_item,
)
from tests.reservations.conftest import tomorrow_at


def listing_of(partner: PartnerHandle, external_id: str) -> Listing:
    db.session.expire_all()
    listing = db.session.scalar(
        sa.select(Listing).where(
            Listing.organisation_id == partner.organisation.id,
            Listing.external_id == external_id,
        )
    )
    assert listing is not None
    return listing


def count(model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def problem_fields(response: Any) -> set[str]:
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    return {error["field"] for error in response.get_json()["errors"]}


# PUT and GET one item


def test_put_creates_a_rental_listing_owned_by_the_partner(
    api: Api, partner: PartnerHandle
) -> None:
    response = api.put("/inventory/SCAF-1", partner.key, rental_item())
    assert response.status_code == 201
    body = response.get_json()
    assert body["result"] == "created"
    item = body["item"]
    assert item["external_id"] == "SCAF-1" and item["source"] == "api"
    # Read back in the shape it was written: kind rental (its listing is equipment), and
    # every price of the rental.
    assert item["kind"] == "rental" and item["status"] == "active"
    assert item["price"] == rental_item()["price"]
    assert item["deposit"] == "200.00" and item["min_rental_days"] == 2
    assert item["attributes"] == {"model": "Layher Blitz 70"}
    assert item["location"] == rental_item()["location"]
    public = api.get(f"/listings/{item['id']}").get_json()
    assert public["kind"] == "equipment"
    assert public["price"] == {"amount": "45.00", "currency": "EUR", "per": "day"}
    listing = listing_of(partner, "SCAF-1")
    assert listing.owner_id == partner.owner.id
    assert listing.source == ListingSource.API
    assert (listing.price_model, listing.price_cents, listing.week_price_cents) == (
        PriceModel.RENTAL,
        4500,
        18000,
    )
    assert listing.site.name == "Kera depot" and listing.site.organisation_id


def test_sales_and_free_items_become_material_listings(api: Api, partner: PartnerHandle) -> None:
    api.put("/inventory/X", partner.key, rental_item("X"))  # creates the site
    lot = sale_item("LOT", price={"amount": "120", "per": "lot"})
    assert api.put("/inventory/LOT", partner.key, lot).status_code == 201
    free = sale_item("FREE", kind="free", price=None)
    assert api.put("/inventory/FREE", partner.key, free).status_code == 201
    lot_listing, free_listing = listing_of(partner, "LOT"), listing_of(partner, "FREE")
    assert lot_listing.kind == ListingKind.MATERIAL
    assert (lot_listing.price_model, lot_listing.price_cents) == (PriceModel.PER_LOT, 12000)
    assert free_listing.price_model == PriceModel.FREE and free_listing.price_cents is None


def test_an_unchanged_item_writes_nothing(api: Api, partner: PartnerHandle) -> None:
    api.put("/inventory/SCAF-1", partner.key, rental_item())
    before = listing_of(partner, "SCAF-1").updated_at
    audits = count(AuditEvent)
    # The same content written differently is the same item.
    again = rental_item(quantity=3, deposit="200")
    response = api.put("/inventory/SCAF-1", partner.key, again)
    assert response.status_code == 200 and response.get_json()["result"] == "unchanged"
    assert listing_of(partner, "SCAF-1").updated_at == before
    assert count(AuditEvent) == audits


def test_a_changed_item_updates_its_listing(api: Api, partner: PartnerHandle) -> None:
    api.put("/inventory/SCAF-1", partner.key, rental_item())
    changed = rental_item(title="Julkisivuteline 60 m²", quantity="5", attributes={"a": 1})
    response = api.put("/inventory/SCAF-1", partner.key, changed)
    assert response.status_code == 200 and response.get_json()["result"] == "updated"
    listing = listing_of(partner, "SCAF-1")
    assert listing.title == "Julkisivuteline 60 m²" and listing.quantity_total == 5
    assert api.get("/inventory/SCAF-1", partner.key).get_json()["attributes"] == {"a": 1}


def test_an_existing_site_is_found_by_name(api: Api, partner: PartnerHandle) -> None:
    api.put("/inventory/A", partner.key, rental_item("A"))
    item = rental_item("B", location={"name": "kera DEPOT"})
    assert api.put("/inventory/B", partner.key, item).status_code == 201
    assert listing_of(partner, "A").site_id == listing_of(partner, "B").site_id
    assert count(Site) == 1


def test_a_new_site_needs_its_address(api: Api, partner: PartnerHandle) -> None:
    response = api.put("/inventory/A", partner.key, rental_item("A", location={"name": "Uusi"}))
    assert response.status_code == 422
    assert {"location.address", "location.postal_code", "location.lat"} <= problem_fields(response)
    assert count(Site) == 0 and count(Listing) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": [{"amount": "45.001", "per": "day"}]}, "price[0].amount"),
        ({"price": {"amount": "45", "per": "unit"}}, "price.per"),
        ({"price": {"amount": "45", "per": "day", "currency": "SEK"}}, "price.currency"),
        ({"category": "no-such-thing"}, "category"),
        ({"category": "common-bricks"}, "category"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "2.5"}, "quantity"),
        ({"title": "ab"}, "title"),
        ({"colour": "red"}, "colour"),
        ({"photos": ["file:///etc/passwd"]}, "photos[0]"),
        (
            {"location": {**rental_item()["location"], "postal_code": "2650"}},
            "location.postal_code",
        ),
        ({"available_from": "2026-13-01"}, "available_from"),
        ({"min_rental_days": 0}, "min_rental_days"),
        ({"external_id": "OTHER"}, "external_id"),
        ({"title": "Nolla\u0000tavu"}, "title"),
    ],
)
def test_invalid_items_name_the_field(
    api: Api, partner: PartnerHandle, changes: dict[str, Any], field: str
) -> None:
    response = api.put("/inventory/SCAF-1", partner.key, rental_item(**changes))
    assert response.status_code == 422
    assert field in problem_fields(response)
    assert count(Listing) == 0


def test_an_external_id_in_the_url_is_checked(api: Api, partner: PartnerHandle) -> None:
    response = api.put("/inventory/bad%20id", partner.key, rental_item())
    assert response.status_code == 422 and problem_fields(response) == {"external_id"}
    # The batch endpoint's name is no item's id (it used to create an item called "batch").
    batch = api.put("/inventory/batch", partner.key, rental_item("batch"))
    assert batch.status_code == 422 and problem_fields(batch) == {"external_id"}
    assert count(Listing) == 0


def test_an_item_read_back_can_be_written_again_as_it_is(api: Api, partner: PartnerHandle) -> None:
    """Items answer in the shape they are written: what GET gives, less what the marketplace
    adds, is an ItemInput that PUT takes and that changes nothing of the item."""
    api.put("/inventory/SCAF-1", partner.key, rental_item())
    api.put("/inventory/BRICK-1", partner.key, sale_item())
    for external_id in ("SCAF-1", "BRICK-1"):
        before = api.get(f"/inventory/{external_id}", partner.key).get_json()
        written = {name: before[name] for name in ItemInput.model_fields}
        ItemInput.model_validate(written)
        again = api.put(f"/inventory/{external_id}", partner.key, written)
        assert again.status_code == 200, again.get_json()
        after = again.get_json()["item"]
        assert {k: v for k, v in after.items() if k != "updated_at"} == {
            k: v for k, v in before.items() if k != "updated_at"
        }
    listed = api.get("/inventory", partner.key).get_json()["items"]
    assert {item["kind"] for item in listed} == {"rental", "sale"}


def test_lowering_below_what_is_reserved_is_refused(
    api: Api, partner: PartnerHandle, make_user: Callable[..., User]
) -> None:
    api.put("/inventory/X", partner.key, rental_item("X"))  # creates the site
    api.put("/inventory/BRICK-1", partner.key, sale_item())
    listing = listing_of(partner, "BRICK-1")
    materials.reserve_material(make_user(), listing, MaterialRequest(Decimal(400), tomorrow_at()))
    response = api.put("/inventory/BRICK-1", partner.key, sale_item(quantity="300"))
    assert response.status_code == 409 and problem_fields(response) == {"quantity"}
    assert listing_of(partner, "BRICK-1").quantity_total == 500
    assert api.put("/inventory/BRICK-1", partner.key, sale_item(quantity="450")).status_code == 200


# Withdrawing


def book(listing: Listing, who: User) -> Reservation:
    start = today_in_finland() + timedelta(days=3)
    return bookings.book_equipment(who, listing, BookingRequest(start, start + timedelta(1), 1))


def test_delete_withdraws_and_keeps_reservations(
    api: Api, partner: PartnerHandle, make_user: Callable[..., User]
) -> None:
    api.put("/inventory/SCAF-1", partner.key, rental_item())
    booking = book(listing_of(partner, "SCAF-1"), make_user())
    transitions.accept(booking, partner.owner)
    response = api.delete("/inventory/SCAF-1", partner.key)
    assert response.status_code == 200
    assert response.get_json()["result"] == "withdrawn"
    assert response.get_json()["item"]["status"] == "closed"
    again = api.delete("/inventory/SCAF-1", partner.key)
    assert again.status_code == 200 and again.get_json()["result"] == "unchanged"
    db.session.expire_all()
    assert db.session.get(Reservation, booking.id).status == ReservationStatus.ACCEPTED  # type: ignore[union-attr]
    assert api.delete("/inventory/NOPE", partner.key).status_code == 404


def test_a_withdrawn_item_sent_again_is_published_anew(api: Api, partner: PartnerHandle) -> None:
    api.put("/inventory/SCAF-1", partner.key, rental_item())
    old_id = listing_of(partner, "SCAF-1").id
    api.delete("/inventory/SCAF-1", partner.key)
    response = api.put("/inventory/SCAF-1", partner.key, rental_item())
    assert response.status_code == 201
    new = listing_of(partner, "SCAF-1")
    assert new.id != old_id and new.status == ListingStatus.ACTIVE
    old = db.session.get(Listing, old_id)
    assert old is not None and old.status == ListingStatus.CLOSED and old.external_id is None


# Batches


def test_a_batch_applies_each_item_on_its_own(api: Api, partner: PartnerHandle) -> None:
    items = [
        rental_item("A"),
        sale_item("B"),
        sale_item("C", price={"amount": "1.234", "per": "unit"}),
        {"external_id": "D"},
        "not an item",
        rental_item("A"),
    ]
    response = api.post("/inventory/batch", partner.key, {"items": items})
    assert response.status_code == 200
    body = response.get_json()
    assert body["counts"] == {
        "received": 6,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "failed": 4,
    }
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4, 5]
    assert [r["result"] for r in results[:2]] == ["created", "created"]
    assert "items[2].price.amount" in {e["field"] for e in results[2]["errors"]}
    assert "items[3].kind" in {e["field"] for e in results[3]["errors"]}
    assert results[5]["errors"][0]["field"] == "items[5].external_id"
    run = db.session.get(SyncRun, body["sync_run_id"])
    assert run is not None and (run.created, run.failed) == (2, 4)
    assert {failure["external_id"] for failure in run.failures} >= {"C", "D"}


def _audited(action: str, listing_ids: set[int]) -> set[int]:
    found = db.session.scalars(
        sa.select(AuditEvent.object_id).where(
            AuditEvent.action == action, AuditEvent.object_id.in_(listing_ids)
        )
    )
    return set(found)


@pytest.mark.search
def test_new_items_saved_together_are_listings_like_any_other(
    api: Api, partner: PartnerHandle
) -> None:
    """New items at a known site take the one-flush path; the result must not differ from
    the one-by-one path: checked, published, audited, announced and searchable."""
    by_name = {"name": "Kera depot"}
    items = [rental_item("R-0")]  # creates the site, one by one
    items += [sale_item(f"S-{n}", location=by_name, title=f"Tiilierä {n}") for n in range(2)]
    items.append(sale_item("BAD-CATEGORY", location=by_name, category="no-such"))
    items.append(rental_item("BAD-SITE", location={"name": "Unknown yard"}))
    items.append(sale_item("PAST", location=by_name, available_until="2020-01-01"))
    body = api.post("/inventory/batch", partner.key, {"items": items}).get_json()
    assert body["counts"]["created"] == 3 and body["counts"]["failed"] == 3, body
    failures = {r["external_id"]: r for r in body["results"] if r["result"] == "failed"}
    assert [e["field"] for e in failures["BAD-CATEGORY"]["errors"]] == ["items[3].category"]
    assert failures["BAD-SITE"]["errors"][0]["field"].startswith("items[4].location.")
    assert failures["PAST"]["errors"][0]["field"] == "items[5].available_until"
    ids = {r["listing_id"] for r in body["results"] if r["result"] == "created"}
    db.session.expire_all()
    listings = db.session.scalars(sa.select(Listing).where(Listing.id.in_(ids))).all()
    assert all(listing.status == ListingStatus.ACTIVE for listing in listings)
    assert all(listing.published_at is not None for listing in listings)
    assert all(listing.source == ListingSource.API for listing in listings)
    assert {listing.external_id for listing in listings} == {"R-0", "S-0", "S-1"}
    assert len({listing.site_id for listing in listings}) == 1
    assert _audited("listing.created", ids) == ids == _audited("listing.published", ids)
    found = api.get(f"/listings?organisation={partner.organisation.id}&per_page=50").get_json()
    assert {item["id"] for item in found["items"]} == ids
    again = api.post("/inventory/batch", partner.key, {"items": items[:3]}).get_json()
    assert again["counts"]["unchanged"] == 3


def test_when_saving_together_fails_the_items_are_saved_one_by_one(
    api: Api, partner: PartnerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.partners import sync_bulk

    def broken(*_args: Any) -> None:
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk full"))

    assert api.put("/inventory/FIRST", partner.key, sale_item("FIRST")).status_code == 201
    monkeypatch.setattr(sync_bulk, "record_built", broken)
    items = [sale_item(f"S-{n}", title=f"Tiilierä {n}") for n in range(5)]
    body = api.post("/inventory/batch", partner.key, {"items": items}).get_json()
    assert body["counts"]["created"] == 5, body
    assert count(Listing) == 6
    ids = {r["listing_id"] for r in body["results"]}
    assert _audited("listing.created", ids) == ids


def test_replace_mode_withdraws_what_the_batch_leaves_out(api: Api, partner: PartnerHandle) -> None:
    first = [rental_item("A"), sale_item("B"), sale_item("C")]
    api.post("/inventory/batch", partner.key, {"items": first})
    # C is invalid this time but named, so it stays; B is missing, so it goes.
    second = [rental_item("A"), sale_item("C", quantity="abc")]
    response = api.post("/inventory/batch", partner.key, {"mode": "replace", "items": second})
    body = response.get_json()
    assert body["counts"]["withdrawn"] == 1 and body["counts"]["unchanged"] == 1
    assert [w["external_id"] for w in body["withdrawn"]] == ["B"]
    assert listing_of(partner, "B").status == ListingStatus.CLOSED
    assert listing_of(partner, "C").status == ListingStatus.ACTIVE


def test_replace_mode_spares_other_listings_of_the_organisation(
    api: Api,
    partner: PartnerHandle,
    make_site: Callable[..., Any],
    make_listing: Callable[..., Listing],
) -> None:
    site = make_site(partner.owner, partner.organisation)
    typed = make_listing(owner=partner.owner, site=site)
    api.post("/inventory/batch", partner.key, {"mode": "replace", "items": [rental_item()]})
    db.session.expire_all()
    assert db.session.get(Listing, typed.id).status == ListingStatus.ACTIVE  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ([], 422, "body"),
        ({"items": {}}, 422, "items"),
        ({"mode": "merge", "items": []}, 422, "mode"),
        ({"mode": "replace", "items": []}, 422, "items"),
        ({"items": [], "extra": 1}, 422, "extra"),
        ({"items": [{}] * 7}, 413, "items"),
    ],
)
def test_batch_shape_errors(
    api: Api, partner: PartnerHandle, body: Any, status: int, field: str
) -> None:
    response = api.post("/inventory/batch", partner.key, body)
    assert response.status_code == status and problem_fields(response) == {field}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["API_BATCH_MAX_ITEMS"] = 6
    app_config["API_MAX_BODY_BYTES"] = 64 * 1024
    return app_config


def test_bodies_must_be_json_and_small(api: Api, partner: PartnerHandle) -> None:
    form = api.put(
        "/inventory/A", partner.key, "kind=rental", headers={"Content-Type": "text/plain"}
    )
    assert form.status_code == 415 and form.mimetype == "application/problem+json"
    broken = api.put("/inventory/A", partner.key, "{not json")
    assert broken.status_code == 400
    huge = api.put("/inventory/A", partner.key, rental_item("A", description="x" * 70_000))
    assert huge.status_code == 413 and huge.mimetype == "application/problem+json"
    assert count(Listing) == 0


# Reading back


def test_the_list_pages_with_a_cursor_and_filters_by_time(api: Api, partner: PartnerHandle) -> None:
    api.post("/inventory/batch", partner.key, {"items": [sale_item(f"I{n}") for n in range(5)]})
    seen: list[str] = []
    url = "/inventory?limit=2"
    while url:
        page = api.get(url, partner.key).get_json()
        seen += [item["external_id"] for item in page["items"]]
        url = f"/inventory?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert sorted(seen) == [f"I{n}" for n in range(5)]
    later = (utcnow() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert api.get(f"/inventory?updated_since={later}", partner.key).get_json()["items"] == []
    for bad in ("limit=0", "limit=x", "cursor=abc", "updated_since=yesterday"):
        assert api.get(f"/inventory?{bad}", partner.key).status_code == 422, bad


def test_partners_see_only_their_own_items(
    api: Api, partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    api.put("/inventory/SCAF-1", partner.key, rental_item())
    assert api.get("/inventory/SCAF-1", other_partner.key).status_code == 404
    assert api.get("/inventory", other_partner.key).get_json()["items"] == []
    assert api.delete("/inventory/SCAF-1", other_partner.key).status_code == 404
    # The same external id is the other partner's own, separate item.
    assert api.put("/inventory/SCAF-1", other_partner.key, rental_item()).status_code == 201
    assert listing_of(partner, "SCAF-1").id != listing_of(other_partner, "SCAF-1").id


@pytest.mark.search
def test_synced_items_are_searchable_when_the_sync_returns(
    api: Api, partner: PartnerHandle, client: Any
) -> None:
    items = [sale_item(f"B{n}", title=f"Kattotiili erä {n}") for n in range(3)]
    api.post("/inventory/batch", partner.key, {"items": items})
    found = api.get("/listings?q=kattotiili").get_json()
    assert found["total"] == 3
    assert "Kattotiili erä 1" in client.get("/listings/?q=kattotiili").get_data(as_text=True)


# Photos by URL


def test_photos_are_fetched_once_and_a_bad_one_fails_only_its_item(
    api: Api,
    partner: PartnerHandle,
    private_urls: None,
    local_server: Callable[..., LocalServer],
    photo_bytes: bytes,
) -> None:
    photos = local_server((200, IMAGE_HEADERS, photo_bytes))
    missing = local_server((404, {}, b"gone"))
    good = rental_item("A", photos=[f"{photos.url}/a.jpg"])
    bad = rental_item("B", photos=[f"{missing.url}/b.jpg"])
    response = api.post("/inventory/batch", partner.key, {"items": [good, bad]})
    results = response.get_json()["results"]
    assert results[0]["result"] == "created"
    assert results[1]["result"] == "failed"
    assert results[1]["errors"][0]["field"] == "items[1].photos[0]"
    item = api.get("/inventory/A", partner.key).get_json()
    # The photos as written, and the marketplace's copies of them.
    assert item["photos"] == good["photos"] and len(item["hosted_photos"]) == 1
    assert item["hosted_photos"][0].startswith("http://127.0.0.1:5000/media/")
    api.put("/inventory/A", partner.key, {**good, "title": "Teline, uusi otsikko"})
    assert len(photos.received) == 1  # the photo URLs did not change: not fetched again
    api.put("/inventory/A", partner.key, {**good, "photos": []})
    assert api.get("/inventory/A", partner.key).get_json()["hosted_photos"] == []


def test_photos_on_private_addresses_are_refused(
    api: Api, partner: PartnerHandle, local_server: Callable[..., LocalServer]
) -> None:
    server = local_server()
    response = api.put("/inventory/SCAF-1", partner.key, rental_item(photos=[f"{server.url}/a"]))
    assert response.status_code == 422 and problem_fields(response) == {"photos[0]"}
    assert server.received == []


# Idempotency


def test_idempotency_key_replays_the_first_answer(api: Api, partner: PartnerHandle) -> None:
    headers = {"Idempotency-Key": "batch-1"}
    body = {"items": [rental_item("A"), sale_item("B")]}
    first = api.post("/inventory/batch", partner.key, body, headers=headers)
    again = api.post("/inventory/batch", partner.key, body, headers=headers)
    assert again.status_code == first.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(SyncRun) == 1 and count(Listing) == 2
    other = api.post("/inventory/batch", partner.key, {"items": []}, headers=headers)
    assert other.status_code == 422 and problem_fields(other) == {"Idempotency-Key"}


def test_idempotency_keys_belong_to_one_api_key(
    api: Api, partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    headers = {"Idempotency-Key": "same"}
    api.put("/inventory/A", partner.key, rental_item("A"), headers=headers)
    response = api.put("/inventory/A", other_partner.key, rental_item("A"), headers=headers)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


def test_errors_are_replayed_too(api: Api, partner: PartnerHandle) -> None:
    headers = {"Idempotency-Key": "bad-item"}
    first = api.put("/inventory/A", partner.key, rental_item(title="x"), headers=headers)
    again = api.put("/inventory/A", partner.key, rental_item(title="x"), headers=headers)
    assert first.status_code == again.status_code == 422
    assert json.loads(first.get_data()) == json.loads(again.get_data())


def test_bad_idempotency_keys_are_refused(api: Api, partner: PartnerHandle) -> None:
    response = api.put(
        "/inventory/A", partner.key, rental_item("A"), headers={"Idempotency-Key": "x" * 300}
    )
    assert response.status_code == 422 and count(Listing) == 0
