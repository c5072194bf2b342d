"""Applying partners' items to listings, through the listing services.

An item becomes a listing of the partner's organisation, owned by the person who created the
key (or the feed), at the organisation's site named in `location.name`: an existing site of
that name is used as it is, and a name the organisation has no site for creates one from the
location's address, postal code, city and coordinates.

  rental → equipment for rent (price per day and/or week, minimum hire, deposit), or free
  sale   → material, priced per unit or per lot
  free   → material given away

Work happens in two steps. First, outside any transaction: every item is checked, compared
with the digest of what was last applied (an unchanged item stops here), and its photos are
fetched if their URLs changed, so that no download ever holds the database. Then, in one
transaction with a savepoint per item (see `transactions`): each item is applied on its own,
and in replace mode the partner's items missing from the batch are withdrawn (closed, which
keeps their reservations). A withdrawn item sent again gets a fresh listing.

New items without photos at a site that already exists, which is most of a first sync, are
checked one by one as well but saved together, in one flush and one savepoint
(`create_together`): per item, the flushes and savepoints cost three times the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core.clock import today_in_finland, utcnow
from marketplace.database import after_commit
from marketplace.errors import Conflict, FieldProblem, MarketplaceError, NotFound
from marketplace.extensions import db
from marketplace.listings.photo_processing import PreparedPhoto, prepare_photo
from marketplace.listings.photo_service import attach_photos, forget_stored
from marketplace.listings.services import (
    ListingDetails,
    build_listing,
    close_listing,
    create_listing,
    record_built,
    update_listing,
)
from marketplace.models import (
    Category,
    Listing,
    ListingKind,
    ListingSource,
    ListingStatus,
    Organisation,
    PartnerItem,
    PriceModel,
    Site,
    User,
    audit,
)
from marketplace.partners import policies
from marketplace.partners.fetching import FetchError, FetchPolicy, fetch
from marketplace.partners.items import Item, ItemKind, ItemRejected, Location, parse_item
from marketplace.partners.transactions import one_transaction
from marketplace.sites.services import SiteDetails, site_columns
from marketplace.sites.services import check_details as check_site_details

logger = logging.getLogger(__name__)

LIVE = frozenset({ListingStatus.DRAFT, ListingStatus.ACTIVE, ListingStatus.PAUSED})
SITE_FIELDS = ("address", "postal_code", "city", "lat", "lon")
# Listing fields, as the listing services name them, and the item fields they come from.
ITEM_FIELDS = {
    "category_id": "category",
    "price_model": "price",
    "price_cents": "price",
    "week_price_cents": "price",
    "deposit_cents": "deposit",
    "site_id": "location",
    "mass_per_unit_kg": "quantity",
    "hazard_status": "category",
    "latitude": "location.lat",
    "longitude": "location.lon",
}
STAMP_KEY = "partners_item_being_created"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    WITHDRAWN = "withdrawn"
    FAILED = "failed"


STATUS_OF = {
    Outcome.CREATED: 201,
    Outcome.UPDATED: 200,
    Outcome.UNCHANGED: 200,
    Outcome.WITHDRAWN: 200,
}


@dataclass(frozen=True)
class SyncTarget:
    """Whose items these are, and who acts for them."""

    organisation_id: int
    actor_id: int
    source: ListingSource
    key_id: int | None = None
    feed_id: int | None = None


@dataclass
class ItemResult:
    index: int | None
    external_id: str | None
    outcome: Outcome
    status: int
    listing_id: int | None = None
    problems: list[FieldProblem] = field(default_factory=list)


@dataclass
class SyncReport:
    mode: str
    results: list[ItemResult] = field(default_factory=list)
    withdrawn: list[ItemResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results + self.withdrawn if result.outcome == outcome)

    def counts(self) -> dict[str, int]:
        counts = {"received": len(self.results)}
        counts.update({outcome.value: self.count(outcome) for outcome in Outcome})
        return counts


def failed(index: int | None, external_id: str | None, error: MarketplaceError) -> ItemResult:
    # In the reader's language: the API's (marketplace.web.i18n), or the page's that pulls a feed.
    problems = [
        FieldProblem(_item_field(problem.field), str(problem.message)) for problem in error.problems
    ]
    return ItemResult(index, external_id, Outcome.FAILED, error.status, problems=problems)


def _item_field(name: str | None) -> str | None:
    if name is None:
        return None
    if name.startswith("place-"):
        return "location." + name.removeprefix("place-")
    return ITEM_FIELDS.get(name, name)


# Step 1: check, compare, fetch photos


@dataclass(frozen=True)
class Stored:
    digest: str
    photo_urls: tuple[str, ...]
    status: ListingStatus
    listing_id: int


@dataclass
class Plan:
    index: int | None
    item: Item
    # None keeps the listing's photos as they are; a list replaces them.
    photos: list[PreparedPhoto] | None


def stored_items(organisation_id: int, external_ids: Sequence[str]) -> dict[str, Stored]:
    found: dict[str, Stored] = {}
    for start in range(0, len(external_ids), 500):
        rows = db.session.execute(
            sa.select(
                PartnerItem.external_id,
                PartnerItem.content_digest,
                PartnerItem.photo_urls,
                Listing.status,
                Listing.id,
            )
            .join(PartnerItem.listing)
            .where(
                PartnerItem.organisation_id == organisation_id,
                PartnerItem.external_id.in_(external_ids[start : start + 500]),
            )
        )
        for external_id, digest, urls, status, listing_id in rows:
            found[external_id] = Stored(digest, tuple(urls or ()), status, listing_id)
    return found


class PhotoFetcher:
    """Fetches and prepares photos once per URL, however many items share one."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self.prepared: dict[str, PreparedPhoto | MarketplaceError] = {}

    def __call__(self, url: str) -> PreparedPhoto:
        if url not in self.prepared:
            self.prepared[url] = self._fetch(url)
        found = self.prepared[url]
        if isinstance(found, MarketplaceError):
            raise found
        return found

    def _fetch(self, url: str) -> PreparedPhoto | MarketplaceError:
        try:
            response = fetch(url, self.policy)
            if response.status != 200:
                raise FetchError(f"the server answered {response.status}")
            return prepare_photo(response.body)
        except FetchError as error:
            reason = str(error).rstrip(".")
            message = _l("Could not fetch %(url)s: %(reason)s.", url=url, reason=reason)
            return ItemRejected([FieldProblem("photos", message)])
        except MarketplaceError as error:
            message = _l(
                "%(url)s is not a usable photo: %(reason)s", url=url, reason=str(error.message)
            )
            return ItemRejected([FieldProblem("photos", message)])


def _photos_for(item: Item, seen: Stored | None, fetch_photo: PhotoFetcher) -> Any:
    if seen is not None and seen.status in LIVE and seen.photo_urls == item.photos:
        return None
    prepared = []
    for number, url in enumerate(item.photos):
        try:
            prepared.append(fetch_photo(url))
        except ItemRejected as error:
            problem = error.problems[0]
            raise ItemRejected([FieldProblem(f"photos[{number}]", problem.message)]) from error
    return prepared


def prepare(
    organisation_id: int,
    raw_items: Sequence[tuple[int | None, Any]],
    fetch_photo: PhotoFetcher | None = None,
) -> tuple[list[Plan], list[ItemResult], set[str]]:
    """Step 1. Returns the items to apply, the results already known (invalid and unchanged
    items), and every external id the batch names, valid or not."""
    fetch_photo = fetch_photo or PhotoFetcher(policies.photos())
    checked, results, named = _check_all(raw_items)
    stored = stored_items(organisation_id, [item.external_id for _, item in checked])
    db.session.commit()  # nothing holds the database while photos download
    plans: list[Plan] = []
    for index, item in checked:
        seen = stored.get(item.external_id)
        if seen is not None and seen.digest == item.digest and seen.status in LIVE:
            results.append(_unchanged(index, item.external_id, seen.listing_id))
            continue
        try:
            plans.append(Plan(index, item, _photos_for(item, seen, fetch_photo)))
        except ItemRejected as error:
            results.append(failed(index, item.external_id, error))
    return plans, results, named


def _unchanged(index: int | None, external_id: str, listing_id: int) -> ItemResult:
    return ItemResult(index, external_id, Outcome.UNCHANGED, 200, listing_id)


def _check_all(
    raw_items: Sequence[tuple[int | None, Any]],
) -> tuple[list[tuple[int | None, Item]], list[ItemResult], set[str]]:
    checked: list[tuple[int | None, Item]] = []
    results: list[ItemResult] = []
    named: set[str] = set()
    for index, raw in raw_items:
        external_id = raw.get("external_id") if isinstance(raw, dict) else None
        name = external_id if isinstance(external_id, str) else None
        try:
            item = parse_item(raw)
        except ItemRejected as error:
            results.append(failed(index, name, error))
            named |= {name} if name else set()
            continue
        if item.external_id in named:
            problem = FieldProblem("external_id", _l("This external id is already in the batch."))
            results.append(failed(index, item.external_id, ItemRejected([problem])))
            continue
        named.add(item.external_id)
        checked.append((index, item))
    return checked, results, named


# Step 2: apply, inside one transaction


def _lock(organisation_id: int) -> None:
    """One sync at a time per partner (PostgreSQL; SQLite's BEGIN IMMEDIATE already is)."""
    db.session.execute(
        sa.select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    )


class _Context:
    """What every item of a transaction needs, read once."""

    def __init__(self, target: SyncTarget) -> None:
        _lock(target.organisation_id)
        self.target = target
        actor = db.session.get(User, target.actor_id)
        assert actor is not None
        self.actor = actor
        self.categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
        # Held here, not only by id: the session's identity map is weak, and the listing
        # services look each item's site up again (a SELECT per item once it is collected).
        own = sa.select(Site).where(Site.organisation_id == target.organisation_id)
        self.held: list[Site] = list(db.session.scalars(own))
        self.sites = {site.name.casefold(): site.id for site in self.held}
        self.new_sites: dict[str, int] = {}
        self.checked_sites: dict[int, Site] = {}
        self.today = today_in_finland()

    def settle(self, succeeded: bool) -> None:
        """Sites created for an item exist only if the item's savepoint was kept."""
        if succeeded:
            self.sites.update(self.new_sites)
        self.new_sites = {}

    def category(self, item: Item) -> Category:
        found = self.categories.get(item.category)
        if found is None or not found.active:
            problem = FieldProblem(
                "category", _l("No such category; GET /api/v1/categories lists them.")
            )
            raise ItemRejected([problem])
        return found

    def knows_site(self, location: Location) -> bool:
        key = location.name.casefold()
        return key in self.sites or key in self.new_sites

    def site_for(self, location: Location) -> int:
        key = location.name.casefold()
        found = self.sites.get(key) or self.new_sites.get(key)
        if found is not None:
            return found
        missing = [name for name in SITE_FIELDS if getattr(location, name) is None]
        if missing:
            message = _l(
                "The organisation has no site of this name; give its address, "
                "postal_code, city, lat and lon to create one."
            )
            raise ItemRejected([FieldProblem(f"location.{name}", message) for name in missing])
        site = self._new_site(location)
        self.new_sites[key] = site.id
        return site.id

    def _new_site(self, location: Location) -> Site:
        details = SiteDetails(
            location.name,
            location.address or "",
            location.postal_code or "",
            location.city or "",
            location.lat or 0.0,
            location.lon or 0.0,
        )
        try:
            check_site_details(details)
        except MarketplaceError as error:
            problem = FieldProblem(f"location.{error.field}", str(error.message))
            raise ItemRejected([problem]) from error
        site = Site(organisation_id=self.target.organisation_id, **site_columns(details))
        db.session.add(site)
        db.session.flush()
        self.held.append(site)
        audit.record(
            self.actor,
            "site.created",
            "site",
            site.id,
            name=site.name,
            organisation_id=self.target.organisation_id,
        )
        return site


def listing_details(
    item: Item, category: Category, site_id: int, available_from: date
) -> ListingDetails:
    kind, model, price, week = ListingKind.MATERIAL, PriceModel.FREE, None, None
    if item.kind == ItemKind.RENTAL:
        kind = ListingKind.EQUIPMENT
        if item.prices:
            model, price, week = PriceModel.RENTAL, item.price("day"), item.price("week")
    elif item.kind == ItemKind.SALE:
        lot = item.prices[0].per == "lot"
        model = PriceModel.PER_LOT if lot else PriceModel.PER_UNIT
        price = item.prices[0].cents
    return ListingDetails(
        kind=kind,
        site_id=site_id,
        category_id=category.id,
        title=item.title,
        description=item.description,
        language=item.language,
        condition=item.condition,
        unit=item.unit or category.default_unit,
        quantity=item.quantity,
        available_from=item.available_from or available_from,
        available_until=item.available_until,
        price_model=model,
        price_cents=price,
        week_price_cents=week,
        deposit_cents=item.deposit_cents,
        min_rental_days=item.min_rental_days,
    )


def _record(stored: PartnerItem, item: Item, source: ListingSource) -> None:
    stored.source = source
    stored.content_digest = item.digest
    stored.attributes = dict(item.attributes)
    stored.photo_urls = list(item.photos)
    stored.updated_at = utcnow()


@contextmanager
def _stamping(record: PartnerItem, external_id: str, source: ListingSource) -> Iterator[None]:
    """The listing services create listings without a partner's external id; the id is set on
    the new listing as it is flushed, so that the listing never exists without it and the
    unique constraint catches a duplicate in the same statement."""
    db.session.info[STAMP_KEY] = (record, external_id, source)
    try:
        yield
    finally:
        db.session.info.pop(STAMP_KEY, None)


def stamp_new_listings(session: Session, _context: Any, _instances: Any) -> None:
    """A `before_flush` hook, registered once for every session."""
    pending = session.info.get(STAMP_KEY)
    if pending is None:
        return
    record, external_id, source = pending
    for instance in list(session.new):
        if isinstance(instance, Listing) and instance.external_id is None:
            instance.external_id = external_id
            instance.source = source
            if "photos" not in instance.__dict__:
                # A new listing has no stored photos: saying so spares the photo service a
                # query per item when it counts them.
                set_committed_value(instance, "photos", [])
            record.listing = instance
            session.add(record)


def _create(context: _Context, plan: Plan, stored: PartnerItem | None) -> ItemResult:
    item, target = plan.item, context.target
    details = listing_details(
        item, context.category(item), context.site_for(item.location), context.today
    )
    if stored is None:
        stored = PartnerItem(organisation_id=target.organisation_id, external_id=item.external_id)
    else:
        stored.listing.external_id = None  # the withdrawn listing lets go of the id
        db.session.flush()
    _record(stored, item, target.source)
    with _stamping(stored, item.external_id, target.source):
        listing = create_listing(context.actor, details, photos=plan.photos or [], publish=True)
    return ItemResult(plan.index, item.external_id, Outcome.CREATED, 201, listing.id)


def _replace_photos(listing: Listing, photos: list[PreparedPhoto]) -> list[str]:
    old = list(listing.photos)
    for photo in old:
        listing.photos.remove(photo)
    keys = [key for photo in old for key in photo.variants.values()]
    # Removed files go once the change has committed; a rollback keeps them.
    after_commit(db.session, lambda: forget_stored(keys))
    db.session.flush()
    return attach_photos(listing, photos)


def _update(context: _Context, plan: Plan, stored: PartnerItem) -> ItemResult:
    item, listing = plan.item, stored.listing
    details = listing_details(
        item,
        context.category(item),
        context.site_for(item.location),
        listing.available_from,
    )
    saved: list[str] = []
    try:
        if plan.photos is not None:
            saved = _replace_photos(listing, plan.photos)
        _record(stored, item, context.target.source)
        # A change of attributes or photos alone is still a change partners sync on.
        listing.updated_at = utcnow()
        update_listing(listing, context.actor, details)
    except BaseException:
        forget_stored(saved)
        raise
    return ItemResult(plan.index, item.external_id, Outcome.UPDATED, 200, listing.id)


def _stored_now(organisation_id: int, external_ids: Sequence[str]) -> dict[str, PartnerItem]:
    """The partner's stored items, read once per transaction under the partner's lock."""
    found: dict[str, PartnerItem] = {}
    for start in range(0, len(external_ids), 500):
        chosen = external_ids[start : start + 500]
        found.update(
            (stored.external_id, stored)
            for stored in db.session.scalars(
                sa.select(PartnerItem)
                .options(joinedload(PartnerItem.listing))
                .where(
                    PartnerItem.organisation_id == organisation_id,
                    PartnerItem.external_id.in_(chosen),
                )
            )
        )
    return found


def _lacks_photos(plan: Plan, stored: PartnerItem | None) -> bool:
    """Step 1 skipped fetching the photos because the stored item had the same URLs; another
    request may have changed that since."""
    if plan.photos is not None:
        return False
    if stored is None or stored.listing.status not in LIVE:
        return bool(plan.item.photos)
    return tuple(stored.photo_urls or ()) != plan.item.photos


def _apply(context: _Context, plan: Plan, stored: PartnerItem | None) -> ItemResult:
    item = plan.item
    same = stored is not None and stored.content_digest == item.digest
    if same and stored is not None and stored.listing.status in LIVE:
        # The same item, applied meanwhile by another request.
        return _unchanged(plan.index, item.external_id, stored.listing_id)
    if _lacks_photos(plan, stored):
        raise Conflict(_l("The item changed while this request ran; send it again."))
    if stored is None or stored.listing.status in (ListingStatus.CLOSED, ListingStatus.EXPIRED):
        return _create(context, plan, stored)
    if stored.listing.status == ListingStatus.REMOVED:
        raise Conflict(
            _l("A moderator removed this item's listing; it cannot be published again."),
            field="external_id",
        )
    return _update(context, plan, stored)


def apply_one(context: _Context, plan: Plan, stored: PartnerItem | None) -> ItemResult:
    """One item in its own savepoint: whatever fails, the item leaves nothing behind."""
    try:
        result = _apply(context, plan, stored)
    except MarketplaceError as error:
        db.session.rollback()
        result = failed(plan.index, plan.item.external_id, error)
    except SQLAlchemyError:
        db.session.rollback()
        logger.warning("item %s could not be saved", plan.item.external_id, exc_info=True)
        result = failed(
            plan.index,
            plan.item.external_id,
            Conflict(
                _l("The item could not be saved because of a concurrent change; send it again.")
            ),
        )
    context.settle(result.outcome != Outcome.FAILED)
    return result


def _withdraw(context: _Context, stored: PartnerItem, index: int | None = None) -> ItemResult:
    external_id = stored.external_id
    listing = stored.listing
    if listing.status not in LIVE:
        return ItemResult(index, external_id, Outcome.UNCHANGED, 200, listing.id)
    try:
        close_listing(listing, context.actor)
    except MarketplaceError as error:
        db.session.rollback()
        return failed(index, external_id, error)
    return ItemResult(index, external_id, Outcome.WITHDRAWN, 200, listing.id)


def withdraw_absent(context: _Context, present: set[str]) -> list[ItemResult]:
    """Replace mode: close the partner's live items that the batch does not name."""
    live = db.session.scalars(
        sa.select(PartnerItem)
        .join(PartnerItem.listing)
        .where(
            PartnerItem.organisation_id == context.target.organisation_id,
            Listing.status.in_(LIVE),
        )
        .order_by(PartnerItem.id)
    ).all()
    return [_withdraw(context, stored) for stored in live if stored.external_id not in present]


@dataclass
class SyncRequest:
    target: SyncTarget
    mode: str  # "upsert" or "replace"
    raw_items: Sequence[tuple[int | None, Any]]
    # Items applied per transaction before the last one; feeds keep transactions short.
    chunk: int = 1000
    photos: PhotoFetcher | None = None


def sync(request: SyncRequest, finish: Callable[[SyncReport], None] | None = None) -> SyncReport:
    """Apply the items and, in replace mode, withdraw the absent ones. `finish` runs inside
    the last transaction, so what it writes (history, the idempotent answer) commits with
    the effect or not at all."""
    plans, results, named = prepare(
        request.target.organisation_id, request.raw_items, request.photos
    )
    report = SyncReport(request.mode, results)
    head, last = _split(plans, request.chunk)
    for part in head:
        with one_transaction():
            report.results += _apply_all(request.target, part)
    with one_transaction():
        report.results += _apply_all(request.target, last)
        if request.mode == "replace":
            report.withdrawn = withdraw_absent(_Context(request.target), named)
        report.results.sort(key=lambda result: (result.index is None, result.index or 0))
        if finish is not None:
            finish(report)
    return report


def _split(plans: list[Plan], size: int) -> tuple[list[list[Plan]], list[Plan]]:
    parts = [plans[start : start + size] for start in range(0, len(plans), size)] or [[]]
    return parts[:-1], parts[-1]


def _apply_all(target: SyncTarget, plans: list[Plan]) -> list[ItemResult]:
    if not plans:
        return []
    context = _Context(target)
    stored = _stored_now(target.organisation_id, [step.item.external_id for step in plans])
    results: list[ItemResult] = []
    fresh: list[Plan] = []
    for step in plans:
        found = stored.get(step.item.external_id)
        if found is None and not step.item.photos and context.knows_site(step.item.location):
            fresh.append(step)
        else:
            results.append(apply_one(context, step, found))
    return results + create_together(context, fresh)


def _build(context: _Context, plan: Plan) -> tuple[Listing, PartnerItem]:
    item = plan.item
    site_id = context.site_for(item.location)
    details = listing_details(item, context.category(item), site_id, context.today)
    listing = build_listing(
        context.actor, details, context.today, publish=True, checked_sites=context.checked_sites
    )
    listing.external_id = item.external_id
    listing.source = context.target.source
    set_committed_value(listing, "photos", [])
    stored = PartnerItem(organisation_id=context.target.organisation_id, listing=listing)
    stored.external_id = item.external_id
    _record(stored, item, context.target.source)
    return listing, stored


def create_together(context: _Context, plans: list[Plan]) -> list[ItemResult]:
    """New items without photos, at sites that exist: the first sync of a large inventory.
    Each is checked on its own by the listing services, and all are saved in one flush in
    their own savepoint (a flush and a savepoint per item cost more than everything else).
    Should the flush fail, the items are applied one by one instead, each in its own."""
    if not plans:
        return []
    results: list[ItemResult] = []
    built: list[tuple[Plan, Listing, PartnerItem]] = []
    db.session.commit()  # keep what came before; what follows is one savepoint
    with db.session.no_autoflush:
        for plan in plans:
            try:
                listing, stored = _build(context, plan)
            except MarketplaceError as error:
                results.append(failed(plan.index, plan.item.external_id, error))
                continue
            built.append((plan, listing, stored))
    try:
        db.session.add_all([row for _, listing, stored in built for row in (listing, stored)])
        db.session.flush()
        record_built(context.actor, [listing for _, listing, _ in built])
        db.session.commit()
    except (MarketplaceError, SQLAlchemyError):
        db.session.rollback()
        logger.info("saving %d items together failed; one by one instead", len(built))
        return results + [apply_one(context, plan, None) for plan, _, _ in built]
    created = [
        ItemResult(plan.index, plan.item.external_id, Outcome.CREATED, 201, listing.id)
        for plan, listing, _ in built
    ]
    return results + created


def withdraw(target: SyncTarget, external_id: str) -> ItemResult:
    """DELETE of one item. Withdrawing a withdrawn item changes nothing and says so."""
    context = _Context(target)
    stored = _stored_now(target.organisation_id, [external_id]).get(external_id)
    if stored is None:
        raise NotFound(_l("No item with this external id."))
    return _withdraw(context, stored)
