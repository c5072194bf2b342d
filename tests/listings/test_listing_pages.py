from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import Listing, ListingPhoto, ListingStatus, Role, Site, Unit
from tests.listings.conftest import form_data
from tests.support import Client, jpeg, text


def stored_files(app: Flask) -> list[Path]:
    return [path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()]


def listings() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) or 0


def png_bomb() -> bytes:
    """A small PNG whose header claims 30 000 × 30 000 pixels."""
    buffer = io.BytesIO()
    from PIL import Image

    Image.new("1", (30_000, 30_000)).save(buffer, "PNG")
    return buffer.getvalue()


def files(*payloads: tuple[bytes, str]) -> list[tuple[io.BytesIO, str]]:
    return [(io.BytesIO(data), name) for data, name in payloads]


def post_new_listing(client: Client, data: dict[str, Any], language: str = "en") -> Any:
    return client.post(
        "/listings/new?kind=material",
        data={"csrf_token": client.csrf_token(), **data},
        content_type="multipart/form-data",
        headers={"Accept-Language": language},
    )


@pytest.fixture
def member(app: Flask, make_user: Any, make_site: Any, client: Client) -> Any:
    user = make_user(email="mikko@example.fi", name="Mikko")
    site = make_site(user)
    client.sign_in("mikko@example.fi")
    return user, site


def test_a_listing_with_three_photos_from_the_form(
    app: Flask, client: Client, member: Any, category: Any
) -> None:
    _, site = member
    data = form_data(site, category("mineral-wool"))
    data["photos"] = files((jpeg(), "a.jpg"), (jpeg(colour=(1, 2, 3)), "b.jpg"))
    data["camera_photos"] = files((jpeg(1200, 1600), "camera.jpg"))
    response = post_new_listing(client, data)
    assert response.status_code == 302, text(response)
    listing = db.session.scalar(sa.select(Listing))
    assert listing is not None
    assert listing.status == ListingStatus.ACTIVE
    assert listing.quantity_total == 40 and str(listing.unit) == "m2"
    assert len(listing.photos) == 3
    page = text(client.get(response.headers["Location"], headers={"Accept-Language": "en"}))
    assert "Mineraalivilla 50 mm" in page
    assert "ICE v2.0" in page  # the factor's source is shown with the estimate
    photo = listing.photos[0]
    served = client.get(f"/media/{photo.variants['320']}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    served.close()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((b"%PDF-1.4 not a photo at all", "renamed.jpg"), "not a photo"),
        ((b"", "empty.jpg"), "empty"),
        ((jpeg()[:2000], "truncated.jpg"), "damaged"),
    ],
)
def test_bad_photos_leave_nothing_behind(
    app: Flask, client: Client, member: Any, category: Any, upload: tuple[bytes, str], message: str
) -> None:
    _, site = member
    data = form_data(site, category("mineral-wool"))
    data["photos"] = files((jpeg(), "good.jpg"), upload)
    response = post_new_listing(client, data)
    assert response.status_code == 422
    assert message in text(response).lower()
    assert 'value="Mineraalivilla 50 mm, 40 m²"' in text(response)
    assert listings() == 0
    assert stored_files(app) == []


def test_a_decompression_bomb_is_refused(
    app: Flask, client: Client, member: Any, category: Any
) -> None:
    _, site = member
    data = form_data(site, category("mineral-wool"))
    data["photos"] = files((png_bomb(), "bomb.png"))
    response = post_new_listing(client, data)
    assert response.status_code == 422
    assert listings() == 0
    assert stored_files(app) == []


def test_a_failing_save_removes_the_files_it_stored(
    app: Flask, client: Client, member: Any, category: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, site = member
    from marketplace.models import audit

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(audit, "record", broken)
    data = form_data(site, category("mineral-wool"))
    data["photos"] = files((jpeg(), "a.jpg"))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = post_new_listing(client, data)
    assert response.status_code == 500
    assert listings() == 0
    assert stored_files(app) == []


def test_more_than_ten_photos_are_refused(
    app: Flask, client: Client, member: Any, category: Any
) -> None:
    _, site = member
    data = form_data(site, category("mineral-wool"))
    data["photos"] = files(*[(jpeg(64, 64), f"{n}.jpg") for n in range(11)])
    response = post_new_listing(client, data)
    assert response.status_code == 422
    assert "at most 10 photos" in text(response)
    assert listings() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": "-3"}, "more than zero"),
        ({"quantity": "lots"}, "Enter a number"),
        ({"price_model": "per_unit", "price_euros": ""}, "Give the price"),
        ({"price_model": "per_unit", "price_euros": "-2"}, "between 0 and 100 000"),
        ({"available_until": "2000-01-01"}, "before the start"),
        ({"category_id": "999999"}, "Choose from the options given"),
        ({"site_id": "999999"}, "Choose from the options given"),
        ({"demolition_material": "y", "hazard_status": "asbestos"}, "cannot be offered"),
    ],
)
def test_form_errors_are_shown_at_the_field_and_keep_the_input(
    app: Flask, client: Client, member: Any, category: Any, changes: dict[str, str], message: str
) -> None:
    _, site = member
    data = form_data(site, category("mineral-wool"), **changes)
    response = client.submit("/listings/new?kind=material", data, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert message in text(response)
    assert 'value="Mineraalivilla 50 mm, 40 m²"' in text(response)
    assert listings() == 0


def test_a_resident_lists_from_a_new_place(
    app: Flask, client: Client, make_user: Any, category: Any
) -> None:
    make_user(email="laura@example.fi")
    client.sign_in("laura@example.fi")
    data = form_data(
        Site(id=0),
        category("common-bricks"),
        site_id="new",
        unit="pcs",
        quantity="120",
        title="Vanhoja tiiliä",
    )
    data.update(
        {
            "place-name": "Koti",
            "place-address": "Tapionraitti 12",
            "place-postal_code": "02100",
            "place-city": "Espoo",
            "place-latitude": "60,1757",
            "place-longitude": "24,8049",
        }
    )
    response = client.submit("/listings/new?kind=material", data)
    assert response.status_code == 302, text(response)
    listing = db.session.scalar(sa.select(Listing))
    assert listing is not None and listing.site.name == "Koti"
    bad = client.submit(
        "/listings/new?kind=material",
        {**data, "place-postal_code": "21"},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 422 and "five digits" in text(bad)
    assert listings() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Site)) == 1


def test_a_wanted_ad(app: Flask, client: Client, member: Any, category: Any) -> None:
    _, site = member
    data = form_data(
        site,
        category("interior-doors"),
        title="Etsin sisäovia",
        unit="pcs",
        quantity="3",
        condition="",
        price_model="per_unit",
        price_euros="20",
    )
    response = client.submit("/listings/new?kind=wanted", data)
    assert response.status_code == 302, text(response)
    listing = db.session.scalar(sa.select(Listing))
    assert listing is not None and listing.price_cents == 2000
    assert "Pays up to" in text(
        client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    )


def test_editing_through_the_page(
    app: Flask, client: Client, member: Any, make_listing: Any
) -> None:
    user, site = member
    listing = make_listing(owner=user, site=site)
    form = client.get(f"/listings/{listing.id}/edit")
    assert form.status_code == 200 and 'value="500"' in text(form)
    data = {
        "title": "Punatiilet, 450 kpl",
        "category_id": str(listing.category_id),
        "language": "fi",
        "condition": "good",
        "quantity": "450",
        "unit": "pcs",
        "price_model": "per_unit",
        "price_euros": "0,40",
        "available_from": listing.available_from.isoformat(),
        "site_id": str(site.id),
    }
    response = client.submit(f"/listings/{listing.id}/edit", data)
    assert response.status_code == 302
    db.session.refresh(listing)
    assert listing.title == "Punatiilet, 450 kpl"
    assert listing.price_cents == 40 and listing.quantity_available == 450


def test_strangers_cannot_reach_the_management_pages(
    app: Flask, client: Client, make_user: Any, make_listing: Any
) -> None:
    listing = make_listing()
    make_user(email="stranger@example.fi")
    client.sign_in("stranger@example.fi")
    photo_id = 1
    for method, url in [
        ("GET", f"/listings/{listing.id}/edit"),
        ("POST", f"/listings/{listing.id}/edit"),
        ("GET", f"/listings/{listing.id}/photos"),
        ("POST", f"/listings/{listing.id}/pause"),
        ("POST", f"/listings/{listing.id}/close"),
        ("POST", f"/listings/{listing.id}/duplicate"),
        ("POST", f"/listings/{listing.id}/photos/{photo_id}/delete"),
    ]:
        response = client.get(url) if method == "GET" else client.submit(url, {})
        assert response.status_code == 404, url
    db.session.refresh(listing)
    assert listing.status == ListingStatus.ACTIVE


def test_photo_management(app: Flask, client: Client, member: Any, make_listing: Any) -> None:
    user, site = member
    listing = make_listing(owner=user, site=site, photos=3)
    first, second, third = (photo.id for photo in listing.photos)
    client.submit(f"/listings/{listing.id}/photos/{third}/move", {"direction": "earlier"})
    db.session.expire_all()
    assert [p.id for p in db.session.get(Listing, listing.id).photos] == [first, third, second]
    keys = set(db.session.get(ListingPhoto, first).variants.values())
    client.submit(f"/listings/{listing.id}/photos/{first}/delete")
    db.session.expire_all()
    assert [p.id for p in db.session.get(Listing, listing.id).photos] == [third, second]
    remaining = {str(path.relative_to(app.config["UPLOAD_DIR"])) for path in stored_files(app)}
    assert keys.isdisjoint(remaining)
    response = client.post(
        f"/listings/{listing.id}/photos",
        data={"csrf_token": client.csrf_token(), "photos": files((jpeg(), "more.jpg"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Listing, listing.id).photos) == 3


def test_pause_and_republish_from_my_listings(
    app: Flask, client: Client, member: Any, make_listing: Any
) -> None:
    user, site = member
    listing = make_listing(owner=user, site=site)
    assert "Punatiilet" in text(client.get("/listings/mine"))
    response = client.submit(f"/listings/{listing.id}/pause", {"next": "/listings/mine"})
    assert response.headers["Location"] == "/listings/mine"
    db.session.refresh(listing)
    assert listing.status == ListingStatus.PAUSED
    assert client.get(f"/listings/{listing.id}").status_code == 200  # its manager still sees it
    client.submit(f"/listings/{listing.id}/publish")
    db.session.refresh(listing)
    assert listing.status == ListingStatus.ACTIVE


def test_moderator_removal_shows_the_reason_to_the_lister(
    app: Flask, client: Client, new_client: Any, make_user: Any, make_listing: Any
) -> None:
    listing = make_listing(owner=make_user(email="lister@example.fi"))
    make_user(email="mod@example.fi", role=Role.MODERATOR)
    moderator = new_client()
    moderator.sign_in("mod@example.fi")
    # The listing's page leads to the moderation decision, which states its reasons.
    decide = f"/admin/moderation/listing/{listing.id}"
    assert decide in text(moderator.get(f"/listings/{listing.id}"))
    response = moderator.submit(
        f"{decide}/decide",
        {
            "action": "remove_listing",
            "ground": "terms-hazard-declaration",
            "facts": "Kuvissa näkyy asbestilevyä.",
        },
    )
    assert response.status_code == 302
    assert client.get(f"/listings/{listing.id}").status_code == 404
    client.sign_in("lister@example.fi")
    page = text(client.get(f"/listings/{listing.id}"))
    assert "Kuvissa näkyy asbestilevyä." in page
    assert "/moderation/decisions/" in page  # the statement of reasons


def test_members_cannot_remove_listings(
    app: Flask, client: Client, member: Any, make_listing: Any
) -> None:
    listing = make_listing()
    decide = f"/admin/moderation/listing/{listing.id}/decide"
    assert client.submit(decide, {"action": "remove_listing"}).status_code == 403


@pytest.mark.search
def test_browse_shows_active_listings_with_filters(
    app: Flask,
    client: Client,
    make_user: Any,
    make_organisation: Any,
    make_site: Any,
    make_listing: Any,
    category: Any,
) -> None:
    owner = make_user()
    organisation = make_organisation(owner, name="Rakennus Kera Oy")
    bricks = make_listing(owner=owner, site=make_site(owner, organisation), title="Tiilet lavalla")
    make_listing(title="Luonnos tiilistä", publish=False)
    wool = make_listing(
        title="Villaa", category_id=category("mineral-wool").id, unit=Unit.M2, quantity=Decimal(40)
    )
    everything = text(client.get("/listings/"))
    assert "Tiilet lavalla" in everything and "Villaa" in everything
    assert "Luonnos tiilistä" not in everything
    by_category = text(client.get("/listings/?category=insulation"))
    assert "Villaa" in by_category and "Tiilet lavalla" not in by_category
    by_organisation = text(client.get(f"/listings/?organisation={organisation.id}"))
    assert "Tiilet lavalla" in by_organisation and "Villaa" not in by_organisation
    for junk in (
        "?kind=pirate",
        "?page=-4",
        "?page=abc",
        "?organisation=x",
        "?category=no-such-thing",
    ):
        assert client.get(f"/listings/{junk}").status_code == 200
    assert bricks.id and wool.id


@pytest.mark.search
def test_sold_out_listings_leave_browse(app: Flask, client: Client, make_listing: Any) -> None:
    listing = make_listing(title="Viimeiset tiilet")
    db.session.execute(
        sa.update(Listing).where(Listing.id == listing.id).values(quantity_available=0)
    )
    db.session.commit()
    assert "Viimeiset tiilet" not in text(client.get("/listings/"))


def test_categories_api(client: Client) -> None:
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    items = response.get_json()["items"]
    bricks = next(item for item in items if item["slug"] == "common-bricks")
    assert bricks["names"]["fi"] and bricks["names"]["sv"] and bricks["names"]["en"]
    assert bricks["ewc_code"] == "17 01 02" and bricks["kind"] == "material"
    assert bricks["default_unit"] == "pcs" and bricks["family"]
    assert any(item["kind"] == "equipment" for item in items)
