"""Wanted ads matched to supply: category, text and distance; each pair announced once; the
lister sees the wanted ads that match what they offer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.alerts import matching, text
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.listings import events
from marketplace.listings.services import ListingDetails, update_listing
from marketplace.models import Category, Listing, Notification, Site, User, WantedMatch
from tests.alerts.conftest import PORVOO
from tests.conftest import CollectingHandler
from tests.partners.fixtures import Api, PartnerHandle, sale_item
from tests.support import Client
from tests.support import text as page_text


def matched(wanted_ad: Listing) -> list[int]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(WantedMatch.offer_id)
            .where(WantedMatch.wanted_id == wanted_ad.id)
            .order_by(WantedMatch.offer_id)
        )
    )


def match_notifications(user: User) -> list[Notification]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "wanted_match"
            )
        )
    )


@pytest.mark.parametrize(
    ("wanted_title", "offered_title", "expected"),
    [
        ("Tiiliä", "Punatiilet, 500 kpl", True),  # inflection and compound
        ("Etsitään tegel", "Punatiilet, 500 kpl", True),  # Swedish, through the category
        ("Wanted: bricks", "Punatiilet", True),  # English, through the category
        ("Lautaa terassille", "Terassilautaa 30 m", True),
        ("Ikkunoita", "Puuikkunat", True),
        ("Etsitään", "Punatiilet", True),  # nothing but "wanted": the category decides
        ("Kattotiiliä", "Sähköpöytä", False),
    ],
)
def test_text_overlap(
    app: Flask,
    category: Callable[[str], Category],
    wanted_title: str,
    offered_title: str,
    expected: bool,
) -> None:
    offer = Listing(title=offered_title, description="", category=category("common-bricks"))
    found = text.says_what_is_wanted(text.content_words(wanted_title), text.offer_words(offer))
    assert found is expected


def test_a_published_offer_notifies_the_wanted_ads_author_once(
    wanted: Callable[..., Listing],
    offer: Callable[..., Listing],
    resident: User,
    contractor: User,
    warehouse: Site,
    details: Callable[..., ListingDetails],
) -> None:
    ad = wanted()
    bricks = offer()
    assert matched(ad) == [bricks.id]
    [notice] = match_notifications(resident)
    assert notice.data["title"] == ad.title and notice.data["count"] == 1
    assert notice.data["offers"][0]["id"] == bricks.id
    # A sync or an edit of the same offer announces nothing new.
    update_listing(bricks, contractor, details(warehouse, title="Punatiilet, 450 kpl"))
    assert matching.record_matches(bricks.id) == 0
    assert len(match_notifications(resident)) == 1
    assert match_notifications(contractor) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Sähköpöydät", "category": "sit-stand-desks"},  # another category
        {"site": "porvoo"},  # 40 km away
        {"title": "Pöytä", "category": "clay-roof-tiles"},  # another type of the family
    ],
)
def test_offers_that_do_not_match(
    wanted: Callable[..., Listing],
    offer: Callable[..., Listing],
    contractor: User,
    make_site: Callable[..., Site],
    category: Callable[[str], Category],
    changes: dict[str, Any],
) -> None:
    ad = wanted()
    values: dict[str, Any] = {}
    if "category" in changes:
        values = {"title": changes["title"], "category_id": category(changes["category"]).id}
    if changes.get("site") == "porvoo":
        values["site"] = make_site(contractor, details=PORVOO)
    offer(**values)
    assert matched(ad) == []


def test_a_wanted_ad_naming_a_family_matches_its_types(
    wanted: Callable[..., Listing],
    offer: Callable[..., Listing],
    category: Callable[[str], Category],
) -> None:
    ad = wanted("Etsitään tiiliä tai laattoja", category_id=category("bricks-ceramics").id)
    bricks = offer()
    assert matched(ad) == [bricks.id]


def test_own_listings_never_match(
    wanted: Callable[..., Listing],
    resident: User,
    resident_home: Site,
    make_listing: Callable[..., Listing],
) -> None:
    ad = wanted()
    make_listing(owner=resident, site=resident_home)
    assert matched(ad) == []


def test_a_rolled_back_publish_matches_nothing(
    wanted: Callable[..., Listing], offer: Callable[..., Listing], resident: User
) -> None:
    ad = wanted()

    def fail(_listing: Listing, **_kwargs: Any) -> None:
        raise RuntimeError("the publish fails after the announcement")

    events.listing_event.connect(fail)
    try:
        with pytest.raises(RuntimeError):
            offer()
    finally:
        events.listing_event.disconnect(fail)
    assert matched(ad) == [] and match_notifications(resident) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WantedMatch)) == 0


def test_a_wanted_ad_published_later_hears_of_existing_offers_once(
    wanted: Callable[..., Listing], offer: Callable[..., Listing], resident: User
) -> None:
    first, second = offer(), offer(title="Tiilet, 200 kpl")
    ad = wanted()
    assert matched(ad) == sorted([first.id, second.id])
    [notice] = match_notifications(resident)
    assert notice.data["count"] == 2
    assert matching.record_matches(ad.id) == 0


def test_the_job_catches_up_when_the_worker_did_not_run(
    app: Flask, wanted: Callable[..., Listing], offer: Callable[..., Listing]
) -> None:
    ad = wanted()
    app.config["ALERTS_DELIVERY"] = "job"
    bricks = offer()
    assert matched(ad) == []
    result = app.test_cli_runner().invoke(args=["alerts", "match"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "matched 1 new pairs"
    assert matched(ad) == [bricks.id]
    again = app.test_cli_runner().invoke(args=["alerts", "match"])
    assert again.output.strip().splitlines()[-1] == "matched 0 new pairs"


def test_later_catch_ups_look_only_at_what_changed_since(
    app: Flask, wanted: Callable[..., Listing], offer: Callable[..., Listing]
) -> None:
    ad = wanted()
    app.config["ALERTS_DELIVERY"] = "job"
    looked_at: list[int] = []
    record = matching.record_matches

    def noting(listing_id: int) -> int:
        looked_at.append(listing_id)
        return record(listing_id)

    matching.record_matches = noting  # type: ignore[assignment]
    try:
        first = utcnow() + timedelta(minutes=3)
        assert matching.catch_up(first) == 0  # the first round reads the last hour
        assert looked_at == [ad.id]
        looked_at.clear()
        # Nothing changed since (the ad, more than two minutes before): nothing is read.
        assert matching.catch_up(first + timedelta(minutes=5)) == 0
        assert looked_at == []
        bricks = offer()
        # A change written after the second round had read: the third finds it, as it looks
        # from two minutes before the second began.
        db.session.execute(
            sa.update(Listing)
            .where(Listing.id == bricks.id)
            .values(updated_at=first + timedelta(minutes=9))
        )
        db.session.commit()
        assert matching.catch_up(first + timedelta(minutes=10)) == 1
        assert looked_at == [bricks.id]
        # The next round reads that change again (it is within two minutes) but skips it.
        assert matching.catch_up(first + timedelta(minutes=11)) == 0
        assert looked_at == [bricks.id]
    finally:
        matching.record_matches = record  # type: ignore[assignment]
    assert matched(ad) == [bricks.id]


def test_sold_out_offers_do_not_match(
    wanted: Callable[..., Listing],
    offer: Callable[..., Listing],
    contractor: User,
) -> None:
    bricks = offer()
    db.session.execute(
        sa.update(Listing).where(Listing.id == bricks.id).values(quantity_available=Decimal(0))
    )
    db.session.commit()
    ad = wanted()
    assert matched(ad) == []


def test_the_lister_sees_matching_wanted_ads(
    client: Client,
    wanted: Callable[..., Listing],
    offer: Callable[..., Listing],
) -> None:
    ad = wanted()
    bricks = offer()
    client.sign_in("contractor@example.fi")
    detail = page_text(client.get(f"/listings/{bricks.id}", headers={"Accept-Language": "en"}))
    assert "Wanted ads that match this" in detail and ad.title in detail
    mine = page_text(client.get("/listings/mine"))
    assert f"/listings/{ad.id}" in mine and ad.title in mine
    # Visitors do not see the section.
    visitor = Client(client.application)
    assert ad.title not in page_text(visitor.get(f"/listings/{bricks.id}"))
    author = Client(client.application)
    author.sign_in("resident@example.fi")
    own_ad = page_text(author.get(f"/listings/{ad.id}"))
    assert "Listings that match your wanted ad" in own_ad and bricks.title in own_ad


def test_match_e_mail_end_to_end(
    smtp_server: CollectingHandler,
    app: Flask,
    wanted: Callable[..., Listing],
    offer: Callable[..., Listing],
) -> None:
    ad = wanted()
    bricks = offer()
    [message] = smtp_server.messages
    assert message["To"] == "resident@example.fi"
    assert ad.title in message["Subject"]
    body = message.get_content()
    assert bricks.title in body and f"/listings/{bricks.id}" in body
    assert "List-Unsubscribe" not in message  # about their own ad: close it to stop
    offer(title="Tiilet, toinen erä")
    assert len(smtp_server.messages) == 2


def test_a_partners_synced_item_notifies_the_wanted_ads_author_once(
    smtp_server: CollectingHandler,
    wanted: Callable[..., Listing],
    resident: User,
    api: Api,
    partner: PartnerHandle,
) -> None:
    ad = wanted()
    assert api.put("/inventory/BRICK-1", partner.key, sale_item()).status_code == 201
    [message] = smtp_server.messages
    assert message["To"] == "resident@example.fi" and ad.title in message["Subject"]
    assert "Punatiilet lavalla" in message.get_content()
    [synced] = matched(ad)
    # The partner's next sync changes the item: the pair was announced already.
    changed = sale_item(quantity="450")
    assert api.put("/inventory/BRICK-1", partner.key, changed).status_code == 200
    assert matched(ad) == [synced] and len(match_notifications(resident)) == 1
    assert len(smtp_server.messages) == 1


def test_a_listing_hidden_by_moderation_matches_nothing(
    wanted: Callable[..., Listing], offer: Callable[..., Listing]
) -> None:
    ad = wanted()
    bricks = offer()
    assert [m.offer.id for m in matching.offers_for_wanted(ad)] == [bricks.id]
    bricks.restricted_at = bricks.updated_at
    db.session.commit()
    assert matching.offers_for_wanted(ad) == []
    assert matching.wanted_for_offer(bricks) == []
