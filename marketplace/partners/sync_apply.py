"""Step 2 of a sync, for one item, in its own savepoint: a new item becomes a listing of the
partner's organisation (through the listing services), a changed one updates its listing,
and a withdrawn one sent again gets a fresh listing.

  rental → equipment for rent (price per day and/or week, minimum hire, deposit), or free
  sale   → material, priced per unit or per lot
  free   → material given away
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core.clock import utcnow
from marketplace.database import after_commit, unreachable_reason
from marketplace.errors import Conflict, MarketplaceError
from marketplace.extensions import db
from marketplace.listings.photo_processing import PreparedPhoto
from marketplace.listings.photo_service import attach_photos, forget_stored
from marketplace.listings.services import (
    ListingDetails,
    create_listing,
    update_listing,
)
from marketplace.models import (
    Category,
    Listing,
    ListingKind,
    ListingSource,
    ListingStatus,
    PartnerItem,
    PriceModel,
)
from marketplace.partners.checked_items import CheckedItem
from marketplace.partners.item_kinds import ItemKind
from marketplace.partners.sync_context import SyncContext
from marketplace.partners.sync_planning import LIVE, Plan
from marketplace.partners.sync_report import ItemResult, Outcome, failed, unchanged

logger = logging.getLogger(__name__)

STAMP_KEY = "partners_item_being_created"


def listing_details(
    item: CheckedItem, category: Category, site_id: int, available_from: date
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


def record_item(stored: PartnerItem, item: CheckedItem, source: ListingSource) -> None:
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


def _create(context: SyncContext, plan: Plan, stored: PartnerItem | None) -> ItemResult:
    item, target = plan.item, context.target
    details = listing_details(
        item, context.category(item), context.site_for(item.location), context.today
    )
    if stored is None:
        stored = PartnerItem(organisation_id=target.organisation_id, external_id=item.external_id)
    else:
        stored.listing.external_id = None  # the withdrawn listing lets go of the id
        db.session.flush()
    record_item(stored, item, target.source)
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


def _update(context: SyncContext, plan: Plan, stored: PartnerItem) -> ItemResult:
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
        record_item(stored, item, context.target.source)
        # A change of attributes or photos alone is still a change partners sync on.
        listing.updated_at = utcnow()
        update_listing(listing, context.actor, details)
    except BaseException:
        forget_stored(saved)
        raise
    return ItemResult(plan.index, item.external_id, Outcome.UPDATED, 200, listing.id)


def stored_now(organisation_id: int, external_ids: Sequence[str]) -> dict[str, PartnerItem]:
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


def _apply(context: SyncContext, plan: Plan, stored: PartnerItem | None) -> ItemResult:
    item = plan.item
    same = stored is not None and stored.content_digest == item.digest
    if same and stored is not None and stored.listing.status in LIVE:
        # The same item, applied meanwhile by another request.
        return unchanged(plan.index, item.external_id, stored.listing_id)
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


def apply_one(context: SyncContext, plan: Plan, stored: PartnerItem | None) -> ItemResult:
    """One item in its own savepoint: whatever fails, the item leaves nothing behind."""
    try:
        result = _apply(context, plan, stored)
    except MarketplaceError as error:
        db.session.rollback()
        result = failed(plan.index, plan.item.external_id, error)
    except SQLAlchemyError as error:
        db.session.rollback()
        if unreachable_reason(error) is not None:
            # Not this item's fault: the rest would fail the same way, so the request ends
            # as a 503 and the partner sends the batch again (items already saved stay).
            raise
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
