"""New items without photos at a site that already exists, which is most of a first sync:
checked one by one like any other, but saved together, in one flush and one savepoint. Per
item, the flushes and savepoints cost three times the rest."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.database import unreachable_reason
from marketplace.errors import MarketplaceError
from marketplace.extensions import db
from marketplace.listings.services import build_listing, record_built
from marketplace.models import Listing, PartnerItem
from marketplace.partners.sync_apply import apply_one, listing_details, record_item
from marketplace.partners.sync_context import SyncContext
from marketplace.partners.sync_planning import Plan
from marketplace.partners.sync_report import ItemResult, Outcome, failed

logger = logging.getLogger(__name__)


def can_create_together(context: SyncContext, plan: Plan, stored: PartnerItem | None) -> bool:
    item = plan.item
    return stored is None and not item.photos and context.knows_site(item.location)


def _build(context: SyncContext, plan: Plan) -> tuple[Listing, PartnerItem]:
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
    record_item(stored, item, context.target.source)
    return listing, stored


def create_together(context: SyncContext, plans: list[Plan]) -> list[ItemResult]:
    """Each item is checked on its own by the listing services, and all are saved in one
    flush in their own savepoint. Should the flush fail, the items are applied one by one
    instead, each in its own."""
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
    except (MarketplaceError, SQLAlchemyError) as error:
        db.session.rollback()
        if unreachable_reason(error) is not None:
            raise  # one by one would only fail the same way, once per item
        logger.info("saving %d items together failed; one by one instead", len(built))
        return results + [apply_one(context, plan, None) for plan, _, _ in built]
    created = [
        ItemResult(plan.index, plan.item.external_id, Outcome.CREATED, 201, listing.id)
        for plan, listing, _ in built
    ]
    return results + created
