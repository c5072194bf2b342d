"""Saved searches and their alerts.

A saved search keeps the search's query arguments. The alert job (`send_due`, run by
`flask alerts send` and the job runner; instant searches also after a listing's commit, see
`worker`) runs each due search through the search service, newest first, and alerts about
listings published since the search was saved that it has not alerted about yet.

No duplicates: one transaction per saved search claims it (a compare-and-set of
`checked_at`), records every listing it announces in `alerted_listings` (unique per search
and listing) and adds the notification, whose e-mail the outbox sends once after the commit.
A run that crashes leaves the searches it had not committed for the next run, which finds
only what was not announced.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from marketplace.alerts import tokens
from marketplace.core.clock import utcnow
from marketplace.core.inputs import text_problem
from marketplace.database import read_only_transactions
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import AlertedListing, AlertFrequency, SavedSearch, User
from marketplace.search import services as search_services
from marketplace.search.query import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    QueryError,
    SearchQuery,
    Sort,
    parse_query,
)

logger = logging.getLogger(__name__)

MAX_NAME = 120
LISTED_IN_ALERT = 10
PERIODS = {AlertFrequency.DAILY: timedelta(days=1), AlertFrequency.WEEKLY: timedelta(days=7)}
# A search checked a little less than a period ago is due, so that a daily job started at
# the same time each day does not slip by a day because the last run took a while.
SLACK = timedelta(minutes=10)


def canonical_query(args: Mapping[str, Any]) -> dict[str, str]:
    """The search the arguments describe, in the search page's own short form, without page,
    page size and order (an alert always looks at the newest). Unusable values are dropped,
    as the search page drops them."""
    query, _problems = parse_query(args)
    return query.args(page=1, per_page=DEFAULT_PER_PAGE, sort=None)


class UnusableSearch(Exception):
    """A stored search that the search page would not run as it is: written before today's
    checks or by hand (a NUL, an unknown parameter). Running what is left of it could alert
    about everything, so it is skipped."""


def search_of(saved: SavedSearch) -> SearchQuery:
    if not isinstance(saved.query, dict):
        raise UnusableSearch("the stored query is not an object")
    try:
        query, _problems = parse_query(saved.query, strict=True)
    except QueryError as error:
        raise UnusableSearch("; ".join(f"{p.field}: {p.message}" for p in error.problems)) from None
    return query


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise ValidationError(_l("Give the search a name of at most 120 characters."), field="name")
    if text_problem(name) is not None:
        raise ValidationError(_l("Remove the hidden characters from the name."), field="name")
    return name


def _check_query(args: Mapping[str, Any]) -> None:
    """Refuse a search with a NUL or another control, bidi or invisible character in any
    name or value. `args` are decoded already (a saved query string is percent-decoded
    before it gets here), so "%00" is caught as the NUL it stands for; PostgreSQL cannot
    store a NUL in text, and nobody searches for one."""
    pairs = args.items(multi=True) if isinstance(args, MultiDict) else args.items()
    for name, value in pairs:
        if text_problem(str(name)) is not None or text_problem(str(value)) is not None:
            raise ValidationError(
                _l("This search has characters that cannot be saved; search again."),
                field="query",
            )


def saved_searches_of(user: User) -> list[SavedSearch]:
    return list(
        db.session.scalars(
            sa.select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
        )
    )


def get_own(saved_search_id: int, user: User) -> SavedSearch:
    """The user's saved search, or NotFound: nobody learns of others' searches."""
    saved = db.session.get(SavedSearch, saved_search_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound(_l("No such saved search."))
    return saved


def create_saved_search(
    user: User,
    args: Mapping[str, Any],
    name: str,
    frequency: AlertFrequency,
    by_email: bool = True,
) -> SavedSearch:
    limit = int(current_app.config["ALERTS_MAX_PER_USER"])
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    )
    if (count or 0) >= limit:
        raise Conflict(
            _l("You can keep at most %(limit)d saved searches; delete one first.", limit=limit)
        )
    _check_query(args)
    now = utcnow()
    saved = SavedSearch(
        user_id=user.id,
        name=_check_name(name),
        query=canonical_query(args),
        frequency=frequency,
        by_email=by_email,
        created_at=now,
        checked_at=now,
    )
    db.session.add(saved)
    db.session.commit()
    return saved


def update_saved_search(
    saved: SavedSearch, user: User, name: str, frequency: AlertFrequency, by_email: bool
) -> SavedSearch:
    saved = get_own(saved.id, user)
    saved.name = _check_name(name)
    saved.frequency = frequency
    saved.by_email = by_email
    db.session.commit()
    return saved


def delete_saved_search(saved: SavedSearch, user: User) -> None:
    db.session.delete(get_own(saved.id, user))
    db.session.commit()


def unsubscribe(token: str) -> SavedSearch | None:
    """Stop the e-mails of the saved search the token names (the search itself stays, and
    its alerts go on in the app). None if it no longer exists; a forged token raises."""
    saved_search_id, user_id = tokens.read(token)
    saved = db.session.get(SavedSearch, saved_search_id)
    if saved is None or saved.user_id != user_id:
        return None
    saved.by_email = False
    db.session.commit()
    return saved


def saved_search_for(token: str) -> SavedSearch | None:
    """What an unsubscribe link is about, read without changing anything."""
    saved_search_id, user_id = tokens.read(token)
    saved = db.session.get(SavedSearch, saved_search_id)
    return saved if saved is not None and saved.user_id == user_id else None


# Alerts


@dataclass(frozen=True)
class Found:
    listing_id: int
    title: str


class SearchUnavailable(Exception):
    """The search index could not be read; the saved search is left for the next run."""


def _due(now: datetime, frequencies: Iterable[AlertFrequency]) -> sa.ColumnElement[bool]:
    last = sa.func.coalesce(SavedSearch.checked_at, SavedSearch.created_at)
    clauses = []
    for frequency in frequencies:
        period = PERIODS.get(frequency)
        if period is None:
            clauses.append(SavedSearch.frequency == frequency)
        else:
            clauses.append(
                sa.and_(SavedSearch.frequency == frequency, last <= now - period + SLACK)
            )
    return sa.or_(*clauses)


def _new_listings(saved: SavedSearch) -> list[Found]:
    """Listings the search finds now, published since it was saved, not yet announced."""
    query = search_of(saved).changed(sort=Sort.NEWEST, page=1, per_page=MAX_PER_PAGE)
    page = search_services.search(query, suggest=False)
    if page.unavailable:
        raise SearchUnavailable
    fresh = [
        result.listing
        for result in page.results
        if (result.listing.published_at or result.listing.created_at) >= saved.created_at
        and result.listing.owner_id != saved.user_id
    ]
    if not fresh:
        return []
    announced = set(
        db.session.scalars(
            sa.select(AlertedListing.listing_id).where(
                AlertedListing.saved_search_id == saved.id,
                AlertedListing.listing_id.in_([listing.id for listing in fresh]),
            )
        )
    )
    return [Found(item.id, item.title) for item in fresh if item.id not in announced]


def _notify(saved: SavedSearch, found: list[Found]) -> None:
    notifications.notify(
        saved.user_id,
        "saved_search_alert",
        None,
        email=saved.by_email,
        title=saved.name,
        count=len(found),
        listings=[{"id": f.listing_id, "title": f.title} for f in found[:LISTED_IN_ALERT]],
        link=notifications.link("listings.browse", **saved.query),
        unsubscribe=notifications.link("alerts.unsubscribe", token=tokens.make(saved)),
    )


def _claim(saved: SavedSearch, seen: datetime | None, now: datetime) -> bool:
    """Compare-and-set: only one runner checks a saved search at a time."""
    unchanged = SavedSearch.checked_at.is_(None) if seen is None else SavedSearch.checked_at == seen
    claimed = db.session.execute(
        sa.update(SavedSearch)
        .where(SavedSearch.id == saved.id, unchanged)
        .values(checked_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def check(saved_search_id: int, now: datetime | None = None) -> int:
    """Alert about one saved search's new listings. Returns how many listings it announced."""
    now = now or utcnow()
    with read_only_transactions():
        saved = db.session.get(SavedSearch, saved_search_id)
        if saved is None:
            return 0
        seen = saved.checked_at
        found = _new_listings(saved)
        db.session.commit()  # a short writing transaction follows the reading one
    try:
        if not _claim(saved, seen, now):
            db.session.rollback()
            return 0
        db.session.add_all(
            AlertedListing(saved_search_id=saved.id, listing_id=f.listing_id, created_at=now)
            for f in found
        )
        db.session.flush()
        if found:
            _notify(saved, found)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another runner announced one of them first
        return 0
    return len(found)


def send_due(
    now: datetime | None = None, frequencies: Iterable[AlertFrequency] = tuple(AlertFrequency)
) -> int:
    """Check every due saved search; one that fails is logged and left for the next run."""
    now = now or utcnow()
    with read_only_transactions():
        due = db.session.scalars(
            sa.select(SavedSearch.id).where(_due(now, frequencies)).order_by(SavedSearch.id)
        ).all()
        db.session.commit()
    announced = 0
    for saved_search_id in due:
        try:
            announced += check(saved_search_id, now)
        except UnusableSearch as error:
            db.session.rollback()
            logger.warning("saved search %s skipped, it cannot be run: %s", saved_search_id, error)
        except Exception:
            db.session.rollback()
            logger.exception("saved search %s not checked; the next run retries", saved_search_id)
    return announced


def send_instant(listing_ids: Iterable[int]) -> int:
    """After listings were published: make sure the index has them, then check the instant
    searches (the job would find them too, a little later)."""
    exists = db.session.scalar(
        sa.select(SavedSearch.id).where(SavedSearch.frequency == AlertFrequency.INSTANT).limit(1)
    )
    db.session.commit()
    if exists is None:
        return 0
    search_services.repair(listing_ids)
    return send_due(frequencies=(AlertFrequency.INSTANT,))
