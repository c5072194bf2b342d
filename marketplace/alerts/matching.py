"""Wanted ads matched to supply.

An offer (material or equipment) matches an active wanted ad when it is of the wanted ad's
category (or of its family, when the wanted ad names a family), its text says what the ad
asks for (see `text`), and it is picked up within MATCHING_RADIUS_KM of the wanted ad's place.
Someone's own listings never match their wanted ads.

When a listing is published or synced, `record_matches` runs after the commit (see
`worker`): each new (wanted ad, offer) pair is recorded in the same transaction as the
notification to the wanted ad's author, under a unique constraint, so that each pair is
announced once, whatever runs twice. Listers see the wanted ads that match what they offer
on the listing's page and on "My listings"; those are computed when the page is shown.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from marketplace.alerts import text
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import Category, Listing, ListingKind, ListingStatus, Site, WantedMatch
from marketplace.search.geo import Point, bounding_box, haversine_km
from marketplace.sites.places import MAX_SHIFT_KM, public_place

OFFERS = (ListingKind.MATERIAL, ListingKind.EQUIPMENT)
MAX_SHOWN = 20
LISTED_IN_NOTIFICATION = 5

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    wanted: Listing
    offer: Listing
    distance_km: float


def _radius_km() -> float:
    return float(current_app.config["MATCHING_RADIUS_KM"])


def _point(listing: Listing) -> Point:
    """Where the public may know the listing is: the distance a match reports and the radius
    it is matched within must not measure a private person's home (see `places`)."""
    place = public_place(listing.site)
    return Point(place.latitude, place.longitude)


def _near(query: sa.Select[Listing], centre: Point) -> sa.Select[Listing]:
    # The box is on the real points, which lie up to MAX_SHIFT_KM from the public ones.
    box = bounding_box(centre, _radius_km() + MAX_SHIFT_KM)
    return query.where(
        Site.latitude.between(box.south, box.north), Site.longitude.between(box.west, box.east)
    )


def _loaded(query: sa.Select[Listing]) -> list[Listing]:
    query = query.options(
        joinedload(Listing.site),
        joinedload(Listing.category).joinedload(Category.parent),
    )
    return list(db.session.scalars(query).unique())


def _family_id(category: Category) -> int:
    return category.parent_id or category.id


def _same_people(a: Listing, b: Listing) -> bool:
    if a.owner_id == b.owner_id:
        return True
    return a.organisation_id is not None and a.organisation_id == b.organisation_id


def _category_fits(wanted: Listing, offer: Listing) -> bool:
    asked = wanted.category
    if asked.parent_id is None:  # the ad names a whole family
        return _family_id(offer.category) == asked.id
    return offer.category_id == asked.id


def _offers_something(offer: Listing) -> bool:
    return offer.kind != ListingKind.MATERIAL or offer.quantity_available > 0


def pair(wanted: Listing, offer: Listing) -> Match | None:
    """The match between a wanted ad and an offer, or None. Both must be active, and neither
    hidden by a moderation decision."""
    live = wanted.status == offer.status == ListingStatus.ACTIVE
    live = live and wanted.restricted_at is None and offer.restricted_at is None
    if not live or wanted.kind != ListingKind.WANTED or offer.kind not in OFFERS:
        return None
    if _same_people(wanted, offer) or not _category_fits(wanted, offer):
        return None
    if not _offers_something(offer):
        return None
    distance = haversine_km(_point(wanted), _point(offer))
    if distance > _radius_km():
        return None
    if not text.says_what_is_wanted(text.content_words(wanted.title), text.offer_words(offer)):
        return None
    return Match(wanted, offer, round(distance, 2))


def _active_wanted(category_ids: Iterable[int]) -> list[Listing]:
    query = (
        sa.select(Listing)
        .join(Listing.site)
        .where(
            Listing.kind == ListingKind.WANTED,
            Listing.status == ListingStatus.ACTIVE,
            Listing.category_id.in_(sorted(set(category_ids))),
        )
        .order_by(Listing.id)
    )
    return _loaded(query)


def wanted_for_offers(offers: Sequence[Listing]) -> dict[int, list[Match]]:
    """The active wanted ads each offer matches, nearest first, in one query for them all
    (wanted ads are few; offers are many)."""
    live = [o for o in offers if o.kind in OFFERS and o.status == ListingStatus.ACTIVE]
    ids = {c for o in live for c in (o.category_id, _family_id(o.category))}
    candidates = _active_wanted(ids) if ids else []
    found: dict[int, list[Match]] = {}
    for offer in live:
        matches = [m for w in candidates if (m := pair(w, offer)) is not None]
        if matches:
            found[offer.id] = sorted(matches, key=lambda m: m.distance_km)[:MAX_SHOWN]
    return found


def wanted_for_offer(offer: Listing) -> list[Match]:
    return wanted_for_offers([offer]).get(offer.id, [])


def offers_for_wanted(wanted: Listing) -> list[Match]:
    """Active offers that match a wanted ad, nearest first."""
    if wanted.kind != ListingKind.WANTED or wanted.status != ListingStatus.ACTIVE:
        return []
    category = wanted.category
    ids = [category.id] + ([c.id for c in category.children] if category.parent_id is None else [])
    query = _near(
        sa.select(Listing)
        .join(Listing.site)
        .where(
            Listing.kind.in_(OFFERS),
            Listing.status == ListingStatus.ACTIVE,
            Listing.category_id.in_(ids),
        ),
        _point(wanted),
    )
    matches = [m for offer in _loaded(query) if (m := pair(wanted, offer)) is not None]
    return sorted(matches, key=lambda m: (m.distance_km, -m.offer.id))[:MAX_SHOWN]


def _matches_of(listing: Listing) -> list[Match]:
    if listing.kind == ListingKind.WANTED:
        return offers_for_wanted(listing)
    return wanted_for_offer(listing)


def _unrecorded(matches: list[Match]) -> list[Match]:
    if not matches:
        return []
    pairs = {(m.wanted.id, m.offer.id) for m in matches}
    query = sa.select(WantedMatch.wanted_id, WantedMatch.offer_id).where(
        WantedMatch.wanted_id.in_(sorted({w for w, _ in pairs})),
        WantedMatch.offer_id.in_(sorted({o for _, o in pairs})),
    )
    recorded = {(row.wanted_id, row.offer_id) for row in db.session.execute(query)}
    return [m for m in matches if (m.wanted.id, m.offer.id) not in recorded]


def _notify(wanted: Listing, matches: list[Match]) -> None:
    """One notification per wanted ad and run, naming each new offer once."""
    offers = [
        {"id": m.offer.id, "title": m.offer.title, "distance_km": m.distance_km}
        for m in matches[:LISTED_IN_NOTIFICATION]
    ]
    target = (
        notifications.link("listings.detail", listing_id=matches[0].offer.id)
        if len(matches) == 1
        else notifications.link("listings.detail", listing_id=wanted.id)
    )
    notifications.notify(
        wanted.owner_id,
        "wanted_match",
        None,
        title=wanted.title,
        count=len(matches),
        offers=offers,
        link=target,
    )


def _record(wanted: Listing, matches: list[Match]) -> int:
    """The pairs and their notification in one transaction; 0 if another runner was first."""
    for match in matches:
        db.session.add(
            WantedMatch(wanted_id=wanted.id, offer_id=match.offer.id, distance_km=match.distance_km)
        )
    try:
        db.session.flush()
        _notify(wanted, matches)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # recorded meanwhile by another runner, which told them
        return 0
    return len(matches)


def record_matches(listing_id: int) -> int:
    """Record and announce the new matches of a listing just published or synced. Safe to
    run again, and from several processes: each pair is announced once."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.status != ListingStatus.ACTIVE:
        return 0
    by_wanted: dict[int, list[Match]] = defaultdict(list)
    for match in _unrecorded(_matches_of(listing)):
        by_wanted[match.wanted.id].append(match)
    wanted = {m.wanted.id: m.wanted for ms in by_wanted.values() for m in ms}
    db.session.commit()  # end the reading transaction before each short writing one
    return sum(_record(wanted[wid], ms) for wid, ms in sorted(by_wanted.items()))


# How far before the last round's start the next round looks again: a listing's `updated_at`
# is set when its change is written, and the change may commit a little later, after a round
# that began meanwhile has read. A request or a partner batch takes far less than this
# (gunicorn's timeout is 30 s).
CATCH_UP_OVERLAP = timedelta(minutes=2)
CATCH_UP = "matching_catch_up"


@dataclass
class CatchUp:
    """One process's catch-up so far: where its last finished round began, and the changes
    (listing, `updated_at`) it has matched since a little before that."""

    mark: datetime | None = None
    seen: set[tuple[int, datetime]] = field(default_factory=set)


def catch_up(now: datetime | None = None) -> int:
    """The job's share: match listings changed lately, in case an after-commit match was
    lost (a process stopped before its worker ran). Each change is matched once per process:
    a runner's first round looks back `MATCHING_CATCH_UP_MINUTES`, later rounds only at what
    changed since the round before (less `CATCH_UP_OVERLAP`), and a change already matched
    is skipped, also after a round cut short by an outage. So an idle round reads one short
    query, and a busy one does not match the last hour's listings again."""
    now = now or utcnow()
    state: CatchUp = current_app.extensions.setdefault(CATCH_UP, CatchUp())
    since = now - timedelta(minutes=int(current_app.config["MATCHING_CATCH_UP_MINUTES"]))
    if state.mark is not None:
        since = max(since, state.mark - CATCH_UP_OVERLAP)
    changes = db.session.execute(
        sa.select(Listing.id, Listing.updated_at)
        .where(Listing.status == ListingStatus.ACTIVE, Listing.updated_at >= since)
        .order_by(Listing.id)
    ).all()
    db.session.commit()
    matched = 0
    for listing_id, updated_at in changes:
        if (listing_id, updated_at) not in state.seen:
            matched += record_matches(listing_id)
            state.seen.add((listing_id, updated_at))
    state.mark = now
    # What the next round cannot read again need not be remembered.
    state.seen = {change for change in state.seen if change[1] >= now - CATCH_UP_OVERLAP}
    return matched
