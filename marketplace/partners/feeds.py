"""Feed pull: a partner publishes its whole inventory as a CSV or JSON file at a URL, and the
marketplace fetches it on a schedule and applies it in replace mode, with the same item rules
as the API. Fetching goes through `fetching` (public addresses only, bounded size and time).

A feed with no items at all is taken for a broken export rather than an empty stock: it is
reported and nothing is withdrawn. An unchanged feed (304 to a conditional request) costs
one request.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    FeedFormat,
    FeedSource,
    ListingSource,
    Organisation,
    SyncKind,
    SyncRun,
    SyncStatus,
    User,
    audit,
)
from marketplace.organisations.services import membership
from marketplace.partners import keys, policies, sync_history
from marketplace.partners.fetching import FetchError, check_target, check_url, fetch
from marketplace.partners.item_sync import SyncRequest
from marketplace.partners.item_sync import sync as apply_items
from marketplace.partners.items import ItemInput, Location
from marketplace.partners.sync_report import SyncReport, SyncTarget
from marketplace.partners.transactions import one_transaction

logger = logging.getLogger(__name__)

MIN_INTERVAL, MAX_INTERVAL = 15, 24 * 60
CLAIM = timedelta(minutes=30)
CHUNK = 500
# A row is an ItemInput written flat: its plain fields as they are, then the price, the
# location and the photos spread over columns of their own.
SPREAD = ("price", "min_rental_days", "location", "photos", "attributes")
SCALAR_COLUMNS = tuple(name for name in ItemInput.model_fields if name not in SPREAD)
PRICE_COLUMNS = ("price_amount", "price_per", "price_currency", "week_price_amount")
LOCATION_COLUMNS = tuple(f"location_{name}" for name in Location.model_fields)
OTHER_COLUMNS = ("min_rental_days", "photos")
COLUMNS = frozenset(SCALAR_COLUMNS + PRICE_COLUMNS + LOCATION_COLUMNS + OTHER_COLUMNS)


class FeedUnreadable(Exception):
    pass


# Settings


def feed_of(organisation_id: int) -> FeedSource | None:
    return db.session.scalar(
        sa.select(FeedSource).where(FeedSource.organisation_id == organisation_id)
    )


def _check_url(url: str) -> str:
    url = url.strip()
    if len(url) > 2000:
        raise ValidationError(_l("Keep the URL under 2000 characters."), field="url")
    try:
        check_url(url)
        check_target(url, policies.feeds())
    except FetchError as error:
        raise ValidationError(str(error), field="url") from error
    return url


def save_feed(
    organisation: Organisation,
    actor: User,
    url: str,
    feed_format: FeedFormat,
    interval_minutes: int,
    enabled: bool = True,
) -> FeedSource:
    """Callers check that the actor is an owner of the organisation."""
    keys.require_verified(organisation, field="url")
    if not MIN_INTERVAL <= interval_minutes <= MAX_INTERVAL:
        message = _l("Pull every %(low)d to %(high)d minutes.", low=MIN_INTERVAL, high=MAX_INTERVAL)
        raise ValidationError(message, field="interval_minutes")
    feed = feed_of(organisation.id) or FeedSource(organisation_id=organisation.id)
    feed.url = _check_url(url)
    feed.format = feed_format
    feed.interval_minutes = interval_minutes
    feed.enabled = enabled
    feed.created_by_id = actor.id  # pulls act as whoever set the feed up last
    feed.next_pull_at = utcnow() if enabled else None
    feed.etag = feed.last_modified = None
    db.session.add(feed)
    db.session.flush()
    audit.record(actor, "feed.saved", "organisation", organisation.id, url=feed.url)
    db.session.commit()
    return feed


def delete_feed(organisation: Organisation, actor: User) -> None:
    feed = feed_of(organisation.id)
    if feed is None:
        raise NotFound(_l("No feed is set up."))
    db.session.delete(feed)
    audit.record(actor, "feed.deleted", "organisation", organisation.id)
    db.session.commit()


# Reading feeds


def _cell(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _number(value: str | None) -> Any:
    """Numbers where the item expects JSON numbers; anything else is left for the item
    checks to report."""
    if value is None:
        return None
    try:
        return int(value) if value.lstrip("-").isdigit() else float(value)
    except ValueError:
        return value


def _price(row: dict[str, str | None]) -> Any:
    prices = []
    if row.get("price_amount"):
        price = {"amount": row["price_amount"], "per": row.get("price_per")}
        if row.get("price_currency"):
            price["currency"] = row["price_currency"]
        prices.append(price)
    if row.get("week_price_amount"):
        prices.append({"amount": row["week_price_amount"], "per": "week"})
    return prices[0] if len(prices) == 1 else (prices or None)


def _row_item(row: dict[str, str | None]) -> dict[str, Any]:
    item: dict[str, Any] = {name: row.get(name) for name in SCALAR_COLUMNS}
    item["price"] = _price(row)
    item["min_rental_days"] = _number(row.get("min_rental_days"))
    if row.get("photos"):
        item["photos"] = (row["photos"] or "").replace("|", " ").split()
    location = {
        name.removeprefix("location_"): row.get(name)
        for name in LOCATION_COLUMNS
        if row.get(name) is not None
    }
    for name in ("lat", "lon"):
        if name in location:
            location[name] = _number(location[name])
    item["location"] = location or None
    attributes = {k.removeprefix("attr_"): v for k, v in row.items() if k.startswith("attr_")}
    item["attributes"] = {k: v for k, v in attributes.items() if v is not None} or None
    return {key: value for key, value in item.items() if value is not None}


def parse_csv(text: str) -> list[Any]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in COLUMNS and not name.startswith("attr_")]
    if unknown or "external_id" not in header:
        raise FeedUnreadable(
            "the CSV header must name external_id and known columns only"
            + (f"; unknown: {', '.join(unknown[:10])}" if unknown else "")
        )
    reader.fieldnames = header
    try:
        return [_row_item({k: _cell(v) for k, v in row.items() if k}) for row in reader]
    except csv.Error as error:
        raise FeedUnreadable(f"the CSV file is malformed: {error}") from error


def parse_json(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise FeedUnreadable(f"the JSON file is malformed: {error}") from error
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise FeedUnreadable('the JSON feed must be a list of items or {"items": [...]}')
    return items


def parse_feed(body: bytes, content_type: str, feed_format: FeedFormat) -> list[Any]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FeedUnreadable("the feed is not UTF-8 text") from error
    if feed_format == FeedFormat.AUTO:
        looks_json = "json" in content_type or text.lstrip()[:1] in ("[", "{")
        feed_format = FeedFormat.JSON if looks_json else FeedFormat.CSV
    items = parse_json(text) if feed_format == FeedFormat.JSON else parse_csv(text)
    if not items:
        raise FeedUnreadable("the feed has no items; nothing was withdrawn")
    most = int(current_app.config["FEEDS_MAX_ITEMS"])
    if len(items) > most:
        raise FeedUnreadable(f"the feed has more than {most} items")
    return items


# Pulling


def _claim(feed_id: int, now: datetime, force: bool) -> bool:
    conditions = [
        FeedSource.id == feed_id,
        sa.or_(FeedSource.claimed_until.is_(None), FeedSource.claimed_until < now),
    ]
    if not force:
        conditions += [FeedSource.enabled.is_(True), FeedSource.next_pull_at <= now]
    claimed = db.session.execute(
        sa.update(FeedSource)
        .where(*conditions)
        .values(claimed_until=now + CLAIM)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def _conditional_headers(feed: FeedSource) -> dict[str, str]:
    headers = {"Accept": "application/json, text/csv;q=0.9, */*;q=0.1"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def _settle(feed_id: int, now: datetime, status: SyncStatus, error: str | None) -> None:
    """Update the feed inside the current transaction."""
    feed = db.session.get(FeedSource, feed_id)
    if feed is None:
        return
    feed.last_pulled_at = now
    feed.last_status = status
    feed.last_error = error[:500] if error else None
    feed.claimed_until = None
    feed.next_pull_at = now + timedelta(minutes=feed.interval_minutes) if feed.enabled else None


def _record_failure(target: SyncTarget, feed_id: int, started: datetime, error: str) -> SyncRun:
    with one_transaction():
        run = sync_history.record(
            target, SyncKind.FEED, SyncReport("replace"), started, error=error
        )
        _settle(feed_id, started, SyncStatus.FAILED, error)
    return run


def _target(feed: FeedSource) -> SyncTarget:
    return SyncTarget(
        organisation_id=feed.organisation_id,
        actor_id=feed.created_by_id,
        source=ListingSource.FEED,
        feed_id=feed.id,
    )


def _fetch_items(feed: FeedSource) -> tuple[list[Any], dict[str, str]]:
    """The feed's items and its validators, or ([], {}) when it has not changed."""
    response = fetch(feed.url, policies.feeds(), headers=_conditional_headers(feed))
    if response.status == 304:
        return [], {}
    if response.status != 200:
        raise FetchError(f"the server answered {response.status}")
    validators = {
        "etag": response.header("ETag")[:200],
        "last_modified": response.header("Last-Modified")[:100],
    }
    return parse_feed(response.body, response.header("Content-Type"), feed.format), validators


def _check_creator(feed: FeedSource) -> None:
    creator = db.session.get(User, feed.created_by_id)
    if creator is None or not creator.active or membership(feed.organisation_id, creator) is None:
        raise FeedUnreadable("whoever set up the feed has left the organisation; set it up again")
    organisation = db.session.get(Organisation, feed.organisation_id)
    if organisation is None or not organisation.verified:
        raise FeedUnreadable("the organisation is not verified; feeds wait for verification")


def pull(feed_id: int, now: datetime | None = None, *, force: bool = False) -> SyncRun | None:
    """Fetch and apply one feed if it is due (or forced) and no one else is pulling it."""
    started = now or utcnow()
    if not _claim(feed_id, started, force):
        return None
    feed = db.session.get(FeedSource, feed_id)
    assert feed is not None
    target = _target(feed)
    try:
        _check_creator(feed)
        raw, validators = _fetch_items(feed)
    except (FetchError, FeedUnreadable) as error:
        return _record_failure(target, feed_id, started, str(error))
    return _apply(target, feed_id, started, raw, validators)


def _apply(
    target: SyncTarget,
    feed_id: int,
    started: datetime,
    raw: list[Any],
    validators: dict[str, str],
) -> SyncRun:
    runs: list[SyncRun] = []

    def finish(report: SyncReport) -> None:
        runs.append(sync_history.record(target, SyncKind.FEED, report, started))
        _settle(feed_id, started, runs[0].status, None)
        feed = db.session.get(FeedSource, feed_id)
        if feed is not None and validators:
            feed.etag = validators["etag"] or None
            feed.last_modified = validators["last_modified"] or None

    if not raw:  # not modified since the last pull
        with one_transaction():
            finish(SyncReport("replace"))
        return runs[0]
    request = SyncRequest(target, "replace", list(enumerate(raw)), chunk=CHUNK)
    apply_items(request, finish)
    return runs[0]


def pull_due(now: datetime | None = None) -> list[SyncRun]:
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(FeedSource.id).where(
            FeedSource.enabled.is_(True),
            FeedSource.next_pull_at <= now,
        )
    ).all()
    db.session.commit()
    runs = [pull(feed_id, now) for feed_id in due]
    return [run for run in runs if run is not None]
