"""Feed pull: a partner's CSV or JSON file fetched on schedule and applied in replace mode,
with every pull in the sync history."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import (
    FeedFormat,
    FeedSource,
    Listing,
    ListingSource,
    ListingStatus,
    SyncRun,
    SyncStatus,
)
from marketplace.partners import feeds
from tests.partners.fixtures import (
    JSON_HEADERS,
    LOCATION,
    LocalServer,
    PartnerHandle,
    rental_item,
    sale_item,
)

CSV = """external_id,kind,title,category,quantity,unit,price_amount,price_per,week_price_amount,\
min_rental_days,location_name,location_address,location_postal_code,location_city,location_lat,\
location_lon,attr_model,photos
SCAF-1,rental,Julkisivuteline,facade-scaffolding,3,set,45.00,day,180.00,2,Kera depot,\
Keranportti 3,02650,Espoo,60.2172,24.7535,Layher,
BRICK-1,sale,Punatiilet,common-bricks,500,pcs,0.40,unit,,,Kera depot,,,,,,,
BAD-1,sale,Huono,common-bricks,abc,pcs,0.40,unit,,,Kera depot,,,,,,,
"""


def json_feed(*items: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return (200, {**JSON_HEADERS, "ETag": '"v1"'}, json.dumps({"items": list(items)}).encode())


@pytest.fixture
def feed_server(local_server: Callable[..., LocalServer], private_urls: None) -> LocalServer:
    return local_server(json_feed(rental_item("SCAF-1"), sale_item("BRICK-1")))


def set_up(partner: PartnerHandle, url: str, fmt: FeedFormat = FeedFormat.AUTO) -> FeedSource:
    return feeds.save_feed(partner.organisation, partner.owner, url, fmt, 60)


def listings(partner: PartnerHandle) -> dict[str, Listing]:
    db.session.expire_all()
    found = db.session.scalars(
        sa.select(Listing).where(
            Listing.organisation_id == partner.organisation.id, Listing.external_id.is_not(None)
        )
    )
    return {listing.external_id or "": listing for listing in found}


def test_a_json_feed_is_applied_and_recorded(
    partner: PartnerHandle, feed_server: LocalServer
) -> None:
    feed = set_up(partner, f"{feed_server.url}/feed.json")
    run = feeds.pull(feed.id)
    assert run is not None and run.status == SyncStatus.SUCCEEDED
    assert (run.received, run.created, run.failed) == (2, 2, 0)
    found = listings(partner)
    assert set(found) == {"SCAF-1", "BRICK-1"}
    assert {listing.source for listing in found.values()} == {ListingSource.FEED}
    db.session.expire_all()
    saved = db.session.get(FeedSource, feed.id)
    assert saved is not None and saved.etag == '"v1"' and saved.last_status == SyncStatus.SUCCEEDED
    assert saved.next_pull_at is not None and saved.next_pull_at > utcnow() + timedelta(minutes=59)


def test_an_unchanged_feed_costs_one_conditional_request(
    partner: PartnerHandle, feed_server: LocalServer
) -> None:
    feed = set_up(partner, f"{feed_server.url}/feed.json")
    feeds.pull(feed.id)
    feed_server.answer_with((304, {}, b""))
    run = feeds.pull(feed.id, force=True)
    assert run is not None and run.received == 0 and run.status == SyncStatus.SUCCEEDED
    assert feed_server.received[-1].headers["if-none-match"] == '"v1"'


def test_items_missing_from_the_feed_are_withdrawn(
    partner: PartnerHandle, feed_server: LocalServer
) -> None:
    feed = set_up(partner, f"{feed_server.url}/feed.json")
    feeds.pull(feed.id)
    feed_server.answer_with(json_feed(rental_item("SCAF-1")))
    run = feeds.pull(feed.id, force=True)
    assert run is not None and (run.unchanged, run.withdrawn) == (1, 1)
    assert listings(partner)["BRICK-1"].status == ListingStatus.CLOSED


def test_a_csv_feed_with_a_bad_row(
    partner: PartnerHandle, local_server: Callable[..., LocalServer], private_urls: None
) -> None:
    server = local_server((200, {"Content-Type": "text/csv"}, CSV.encode()))
    feed = set_up(partner, f"{server.url}/feed.csv")
    run = feeds.pull(feed.id)
    assert run is not None and run.status == SyncStatus.PARTIAL
    assert (run.created, run.failed) == (2, 1)
    assert run.failures[0]["external_id"] == "BAD-1" and run.failures[0]["field"] == "quantity"
    rental = listings(partner)["SCAF-1"]
    assert (rental.price_cents, rental.week_price_cents, rental.min_rental_days) == (
        4500,
        18000,
        2,
    )


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((500, {}, b"oops"), "answered 500"),
        ((200, JSON_HEADERS, b"{broken"), "malformed"),
        ((200, JSON_HEADERS, b"[]"), "no items"),
        ((200, JSON_HEADERS, b'{"things": []}'), "list of items"),
        ((200, {"Content-Type": "text/csv"}, b"sku,title\n1,x\n"), "unknown: sku"),
        ((200, {}, b"\xff\xfe\x00"), "UTF-8"),
    ],
)
def test_unusable_feeds_fail_whole_and_withdraw_nothing(
    partner: PartnerHandle, feed_server: LocalServer, answer: Any, error: str
) -> None:
    feed = set_up(partner, f"{feed_server.url}/feed")
    feeds.pull(feed.id)
    feed_server.answer_with(answer)
    run = feeds.pull(feed.id, force=True)
    assert run is not None and run.status == SyncStatus.FAILED and error in (run.error or "")
    assert {listing.status for listing in listings(partner).values()} == {ListingStatus.ACTIVE}
    db.session.expire_all()
    saved = db.session.get(FeedSource, feed.id)
    assert saved is not None and error in (saved.last_error or "")


def test_feeds_on_private_addresses_are_refused(
    app: Any, partner: PartnerHandle, local_server: Callable[..., LocalServer]
) -> None:
    server = local_server(json_feed(rental_item()))
    with pytest.raises(feeds.ValidationError):
        set_up(partner, f"{server.url}/feed.json")
    with pytest.raises(feeds.ValidationError):
        set_up(partner, "file:///etc/passwd")
    # Saved while the operator allowed private addresses, pulled after they stopped.
    app.config["PARTNERS_ALLOW_PRIVATE_URLS"] = True
    feed = set_up(partner, f"{server.url}/feed.json")
    app.config["PARTNERS_ALLOW_PRIVATE_URLS"] = False
    run = feeds.pull(feed.id)
    assert run is not None and run.status == SyncStatus.FAILED and "private" in (run.error or "")
    assert server.received == []


def test_only_due_feeds_are_pulled_and_only_once(
    partner: PartnerHandle, other_partner: PartnerHandle, feed_server: LocalServer
) -> None:
    due = set_up(partner, f"{feed_server.url}/a.json")
    later = set_up(other_partner, f"{feed_server.url}/b.json")
    saved = db.session.get(FeedSource, later.id)
    assert saved is not None
    saved.next_pull_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    runs = feeds.pull_due()
    assert [run.feed_id for run in runs] == [due.id]
    assert feeds.pull_due() == []  # now scheduled an hour ahead
    assert feeds.pull(due.id) is None  # not due, not forced


def test_the_cli_pulls_feeds(
    runner: FlaskCliRunner, partner: PartnerHandle, feed_server: LocalServer
) -> None:
    set_up(partner, f"{feed_server.url}/feed.json")
    result = runner.invoke(args=["partners", "pull-feeds"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "pulled 1 feeds"
    assert "2 created" in result.output
    forced = runner.invoke(args=["partners", "pull-feeds", "--all"])
    assert "2 unchanged" in forced.output
    runs = db.session.scalar(sa.select(sa.func.count()).select_from(SyncRun))
    assert runs == 2


def test_a_feed_set_up_by_someone_who_left_stops(
    partner: PartnerHandle,
    feed_server: LocalServer,
    make_user: Callable[..., Any],
) -> None:
    from marketplace.models import MemberRole
    from marketplace.organisations import services as organisations

    colleague = make_user()
    organisations.add_member(partner.organisation, partner.owner, colleague.email, MemberRole.OWNER)
    feed = feeds.save_feed(
        partner.organisation, colleague, f"{feed_server.url}/f.json", FeedFormat.JSON, 60
    )
    organisations.remove_member(partner.organisation, partner.owner, colleague.id)
    run = feeds.pull(feed.id)
    assert run is not None and run.status == SyncStatus.FAILED and "left" in (run.error or "")


def test_feed_items_keep_the_item_rules(
    partner: PartnerHandle, local_server: Callable[..., LocalServer], private_urls: None
) -> None:
    rows = [rental_item("A", location=dict(LOCATION)), rental_item("B", title="no")]
    server = local_server(json_feed(*rows))
    run = feeds.pull(set_up(partner, f"{server.url}/f", FeedFormat.JSON).id)
    assert run is not None and (run.created, run.failed) == (1, 1)
    assert run.failures[0]["field"] == "title"
