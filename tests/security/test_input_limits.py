"""Numbers that do not fit and text that breaks screens or mail (issue 15, items 5 and 6): each
request that used to answer 500, or to store a title that no e-mail could carry, is refused
as a field error now, and what was stored before still goes out."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.alerts import services as alert_services
from marketplace.core.clock import today_in_finland, utcnow
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import (
    AlertFrequency,
    Category,
    FeedFormat,
    Listing,
    Notification,
    Reservation,
    SavedSearch,
    Site,
    Unit,
    User,
)
from marketplace.partners import feeds
from marketplace.reservations import materials
from tests.conftest import CollectingHandler
from tests.listings.conftest import form_data
from tests.partners.fixtures import (
    JSON_HEADERS,
    Api,
    LocalServer,
    PartnerHandle,
    rental_item,
    sale_item,
)
from tests.support import Client, text

HUGE = "1" + "0" * 30
# What a title must not carry: line breaks, BEL, ESC, a right-to-left override, a zero-width
# space (and NUL, which PostgreSQL cannot even store).
BAD_CHARACTERS = ["\r\n", "\n", "\x07", "\x1b", "\u202e", "\u200b", "\x00"]


def count(model: type[Any]) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.fixture
def member(app: Flask, make_user: Callable[..., User], client: Client) -> User:
    user = make_user(email="mikko@example.fi", name="Mikko")
    client.sign_in("mikko@example.fi")
    return user


@pytest.fixture
def site(member: User, make_site: Callable[..., Site]) -> Site:
    return make_site(member)


def rental_form(site: Site, category: Callable[[str], Category], **changes: str) -> dict[str, Any]:
    today = today_in_finland()
    return {
        "title": "Julkisivuteline",
        "category_id": str(category("facade-scaffolding").id),
        "language": "fi",
        "condition": "good",
        "quantity": "3",
        "unit": "set",
        "price_model": "rental",
        "price_euros": "45",
        "week_price_euros": "180",
        "deposit_euros": "200",
        "min_rental_days": "2",
        "available_from": today.isoformat(),
        "site_id": str(site.id),
        "action": "publish",
        **changes,
    }


# Item 5: numbers

PRICE_FIELDS = [
    ("price_euros", "Price, €"),
    ("week_price_euros", "Price per week, €"),
    ("deposit_euros", "Deposit, €"),
]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e30", "Enter a number, like 12,5."),
        ("NaN", "Enter a number, like 12,5."),
        ("-Infinity", "Enter a number, like 12,5."),
        (HUGE, "{label}: give a number between 0 and 100 000."),
        ("-5", "{label}: give a number between 0 and 100 000."),
        ("12,345", "{label}: use at most 2 decimals."),
    ],
)
@pytest.mark.parametrize(("field", "label"), PRICE_FIELDS)
def test_a_price_that_does_not_fit_is_a_field_error_on_create(
    client: Client, site: Site, category: Any, field: str, label: str, value: str, message: str
) -> None:
    data = rental_form(site, category, **{field: value})
    response = client.submit(
        "/listings/new?kind=equipment", data, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    page = text(response)
    error = page.split(f'id="{field}-error" class="field-error">', 1)[1].split("</small>")[0]
    assert error == message.format(label=label)
    assert count(Listing) == 0


@pytest.mark.parametrize("field", ["price_euros", "week_price_euros", "deposit_euros"])
@pytest.mark.parametrize("value", ["1e30", HUGE])
def test_a_price_that_does_not_fit_is_a_field_error_on_edit(
    client: Client,
    member: User,
    site: Site,
    make_rental: Callable[..., Listing],
    category: Any,
    field: str,
    value: str,
) -> None:
    listing = make_rental(member, site=site)
    response = client.submit(
        f"/listings/{listing.id}/edit",
        rental_form(site, category, **{field: value}),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    db.session.refresh(listing)
    assert (listing.price_cents, listing.week_price_cents, listing.deposit_cents) == (
        4500,
        18000,
        20000,
    )


def test_a_huge_quantity_on_a_material_listing(client: Client, site: Site, category: Any) -> None:
    data = form_data(site, category("mineral-wool"), quantity=HUGE)
    response = client.submit("/listings/new?kind=material", data, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "Quantity: give a number more than zero, at most 1 000 000." in text(response)
    assert count(Listing) == 0


@pytest.mark.parametrize("quantity", [HUGE, "1e30", "0,0001", "NaN"])
def test_a_reservation_quantity_that_does_not_fit_is_a_field_error(
    client: Client, member: User, make_user: Callable[..., User], make_listing: Any, quantity: str
) -> None:
    bricks = make_listing(owner=make_user())
    tomorrow = (today_in_finland() + timedelta(days=1)).isoformat()
    response = client.submit(
        f"/reservations/new/{bricks.id}",
        {"quantity": quantity, "pickup_date": tomorrow, "pickup_time": "16:00"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "How much: " in page or "Enter a number" in page
    assert count(Reservation) == 0
    db.session.refresh(bricks)
    assert bricks.quantity_available == bricks.quantity_total == 500


def test_the_reservation_service_refuses_a_huge_quantity_itself(
    app: Flask, make_user: Callable[..., User], make_listing: Any
) -> None:
    """Not only the form: any caller of the service gets a field error, not InvalidOperation."""
    bricks = make_listing(owner=make_user())
    request = materials.MaterialRequest(Decimal(10) ** 30, utcnow() + timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        materials.reserve_material(make_user(), bricks, request)
    assert refused.value.field == "quantity"


@pytest.mark.parametrize("keep", ["2,0001", "1e30", HUGE, "NaN"])
def test_keeping_part_of_a_reservation_with_a_number_that_does_not_fit(
    client: Client,
    member: User,
    make_user: Callable[..., User],
    make_listing: Any,
    category: Any,
    keep: str,
) -> None:
    wool = make_listing(
        owner=make_user(),
        category_id=category("mineral-wool").id,
        unit=Unit.M2,
        quantity=Decimal(40),
    )
    request = materials.MaterialRequest(Decimal(10), utcnow() + timedelta(days=1))
    reservation = materials.reserve_material(member, wool, request)
    response = client.submit(f"/reservations/{reservation.id}/reduce", {"quantity": keep})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).quantity == 10  # type: ignore[union-attr]
    assert db.session.get(Listing, wool.id).quantity_available == 30  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": {"amount": "1e30", "currency": "EUR", "per": "unit"}}, "price.amount"),
        ({"price": {"amount": HUGE, "currency": "EUR", "per": "unit"}}, "price.amount"),
        ({"price": {"amount": "NaN", "currency": "EUR", "per": "unit"}}, "price.amount"),
        ({"quantity": 10**400}, "quantity"),
        ({"quantity": "1e30"}, "quantity"),
        ({"location": {"name": "Depot", "lat": 10**400, "lon": 24.7}}, "location.lat"),
    ],
)
def test_an_api_item_with_a_number_that_does_not_fit_is_a_422_naming_the_field(
    api: Api,
    make_partner: Callable[..., PartnerHandle],
    changes: dict[str, Any],
    field: str,
) -> None:
    partner = make_partner()
    response = api.put("/inventory/BRICK-1", partner.key, sale_item(**changes))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in {problem["field"] for problem in response.get_json()["errors"]}
    assert count(Listing) == 0


def test_an_api_rental_with_a_huge_deposit(
    api: Api, make_partner: Callable[..., PartnerHandle]
) -> None:
    partner = make_partner()
    response = api.put("/inventory/SCAF-1", partner.key, rental_item(deposit="1e30"))
    assert response.status_code == 422
    assert "deposit" in {problem["field"] for problem in response.get_json()["errors"]}


@pytest.mark.search
@pytest.mark.parametrize(
    "url",
    [
        f"/listings/{HUGE}",
        f"/listings/{HUGE}/edit",
        f"/listings/{'9' * 5000}",
        f"/reservations/new/{HUGE}",
        f"/listings/mine?organisation={HUGE}",
        f"/reservations/requests?organisation={HUGE}",
        "/listings/?min_price=1e30&max_price=NaN&radius_km=1e308&postal_code=02650",
        "/listings/?near=nan,inf",
        f"/listings/?page={HUGE}&per_page=-1",
        "/api/v1/listings?min_price=1e30",
        "/api/v1/listings?near=1e1,2e1",
    ],
)
def test_numbers_in_addresses_never_make_a_500(client: Client, member: User, url: str) -> None:
    assert client.get(url).status_code in {200, 404, 422}


def test_an_api_page_size_in_superscript_digits(
    api: Api, make_partner: Callable[..., PartnerHandle]
) -> None:
    """ "²".isdigit() is true, and int("²") fails."""
    partner = make_partner()
    assert api.get("/inventory?limit=%C2%B2", partner.key).status_code == 422
    assert api.get(f"/inventory?limit={HUGE}", partner.key).status_code == 422


# Item 6: text


@pytest.mark.parametrize("bad", BAD_CHARACTERS)
def test_a_title_with_control_or_bidi_characters_is_refused(
    client: Client, site: Site, category: Any, bad: str
) -> None:
    data = form_data(site, category("mineral-wool"), title=f"Mineraalivilla{bad}50 mm")
    response = client.submit("/listings/new?kind=material", data, headers={"Accept-Language": "en"})
    assert count(Listing) == 0
    if bad == "\x00":  # every request with a NUL in a form or an address is a 400
        assert response.status_code == 400
        return
    assert response.status_code == 422
    page = text(response)
    assert 'id="title-error"' in page
    assert "Write this on one line." in page or "Remove the hidden character U+" in page
    assert count(Listing) == 0


@pytest.mark.parametrize("bad", BAD_CHARACTERS)
def test_an_api_title_with_control_or_bidi_characters_is_refused(
    api: Api, make_partner: Callable[..., PartnerHandle], bad: str
) -> None:
    partner = make_partner()
    response = api.put("/inventory/BRICK-1", partner.key, sale_item(title=f"Tiilet{bad}lavalla"))
    assert response.status_code == 422
    assert "title" in {problem["field"] for problem in response.get_json()["errors"]}
    assert count(Listing) == 0


def test_a_description_keeps_its_line_breaks(client: Client, site: Site, category: Any) -> None:
    description = "Avaamattomia paketteja.\r\nSäilytetty sisällä:\r\n\t- 40 m²"
    data = form_data(site, category("mineral-wool"), description=description)
    assert client.submit("/listings/new?kind=material", data).status_code == 302
    listing = db.session.scalar(sa.select(Listing))
    assert listing is not None
    assert listing.description == "Avaamattomia paketteja.\nSäilytetty sisällä:\n\t- 40 m²"


def test_a_description_still_refuses_a_bidi_override(
    client: Client, site: Site, category: Any
) -> None:
    data = form_data(site, category("mineral-wool"), description="Hyvä\n\u202etxt.exe")
    response = client.submit("/listings/new?kind=material", data, headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "U+202E" in text(response)


def test_an_api_description_keeps_its_line_breaks(
    api: Api, make_partner: Callable[..., PartnerHandle]
) -> None:
    partner = make_partner()
    item = sale_item(description="Rivi yksi\r\nRivi kaksi")
    assert api.put("/inventory/BRICK-1", partner.key, item).status_code == 201
    listing = db.session.scalar(sa.select(Listing))
    assert listing is not None and listing.description == "Rivi yksi\nRivi kaksi"


def test_a_feed_applies_the_same_rules(
    partner: PartnerHandle, local_server: Callable[..., LocalServer], private_urls: None
) -> None:
    items = [
        sale_item("BIDI", title="Tiilet \u202egpj.exe"),
        sale_item("HUGE", quantity=10**400),
        sale_item("LINES", description="Rivi yksi\r\nRivi kaksi"),
        sale_item("GOOD"),
    ]
    server = local_server((200, JSON_HEADERS, json.dumps({"items": items}).encode()))
    feed = feeds.save_feed(
        partner.organisation, partner.owner, f"{server.url}/feed.json", FeedFormat.AUTO, 60
    )
    run = feeds.pull(feed.id)
    assert run is not None and (run.created, run.failed) == (2, 2)
    assert {failure["external_id"] for failure in run.failures} == {"BIDI", "HUGE"}
    found = db.session.scalar(sa.select(Listing).where(Listing.external_id == "LINES"))
    assert found is not None and found.description == "Rivi yksi\nRivi kaksi"


def test_a_title_stored_with_a_line_break_still_gets_its_email(
    smtp_server: CollectingHandler,
    app: Flask,
    make_user: Callable[..., User],
    make_listing: Any,
) -> None:
    """Written before the forms refused it (or by hand): the header is made safe where it
    is built, and no Bcc sneaks in."""
    lister = make_user(email="lister@example.fi")
    listing = make_listing(owner=lister)
    db.session.execute(
        sa.update(Listing)
        .where(Listing.id == listing.id)
        .values(title="Tiilet\r\nBcc: victim@example.com\r\n\u202eabc")
    )
    db.session.commit()
    db.session.expire_all()
    request = materials.MaterialRequest(Decimal(5), utcnow() + timedelta(days=1))
    materials.reserve_material(make_user(email="resident@example.fi"), listing, request)
    [message] = smtp_server.messages
    assert message["To"] == "lister@example.fi"
    assert message["Subject"] == "New request for “Tiilet Bcc: victim@example.com abc”"
    assert message["Bcc"] is None
    assert count(Notification) == 1
    assert db.session.scalar(sa.select(Notification.email_error)) is None


@pytest.mark.parametrize(
    "query", ["q=tiili%00", "q=tiili%E2%80%AE", "postal_code=02650&q%00=x", "q=%2500%00"]
)
def test_a_saved_search_with_a_nul_is_refused(client: Client, member: User, query: str) -> None:
    response = client.submit(
        "/saved-searches/new",
        {"query": query, "name": "Tiiliä", "frequency": "daily"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "cannot be saved" in text(response)
    assert count(SavedSearch) == 0


@pytest.mark.parametrize("name", ["Tiili\x00", "Tiili\u202e", "Tiili\r\nBcc: x"])
def test_a_saved_search_name_with_a_nul_or_a_control_is_refused(
    client: Client, member: User, name: str
) -> None:
    response = client.submit(
        "/saved-searches/new", {"query": "q=tiili", "name": name, "frequency": "daily"}
    )
    assert response.status_code in {400, 422}
    assert count(SavedSearch) == 0


def test_the_saved_search_service_refuses_a_nul_itself(app: Flask, make_user: Any) -> None:
    for args, name in [({"q": "tiili\x00"}, "Tiiliä"), ({"q": "tiili"}, "Tiili\x00")]:
        with pytest.raises(ValidationError):
            alert_services.create_saved_search(make_user(), args, name, AlertFrequency.DAILY)
    assert count(SavedSearch) == 0


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # On PostgreSQL the PostgreSQL search backend, which would be handed the NUL.
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app_config["SEARCH_BACKEND"] = "postgres"
    return app_config


@pytest.mark.search
def test_alerts_send_survives_a_stored_nul(
    app: Flask,
    make_user: Callable[..., User],
    make_listing: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Saved searches written before the checks (here straight into the database, which
    PostgreSQL's json type allows as \\u0000) are skipped and logged: running what is left
    of them would alert about everything. The run goes on, and the good search alerts."""
    resident = make_user()
    earlier = utcnow() - timedelta(days=2)
    stored: list[Any] = [
        {"q": "tiili\x00"},
        {"q": "punatiilet", "postal_code": "0\x00"},
        {"q\x00": "x"},
        ["not", "an", "object"],
        {"q": "punatiilet"},
    ]
    for query in stored:
        db.session.execute(
            sa.insert(SavedSearch).values(
                user_id=resident.id,
                name="Tiiliä",
                query=query,
                frequency=AlertFrequency.DAILY,
                by_email=False,
                created_at=earlier,
                updated_at=earlier,
                checked_at=earlier,
            )
        )
    db.session.commit()
    make_listing(title="Punatiilet lavalla")
    result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "announced 1 listings"
    skipped = [r for r in caplog.records if "skipped, it cannot be run" in r.getMessage()]
    assert len(skipped) == 4
