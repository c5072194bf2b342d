"""Withdrawing items: one by DELETE, or in replace mode every live item of the partner that
the batch does not name. A withdrawn item's listing is closed, which keeps its reservations."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.errors import MarketplaceError, NotFound
from marketplace.extensions import db
from marketplace.listings.services import close_listing
from marketplace.models import Listing, PartnerItem
from marketplace.partners.sync_apply import stored_now
from marketplace.partners.sync_context import SyncContext
from marketplace.partners.sync_planning import LIVE
from marketplace.partners.sync_report import ItemResult, Outcome, SyncTarget, failed


def _withdraw(context: SyncContext, stored: PartnerItem, index: int | None = None) -> ItemResult:
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


def withdraw_absent(context: SyncContext, present: set[str]) -> list[ItemResult]:
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


def withdraw(target: SyncTarget, external_id: str) -> ItemResult:
    """DELETE of one item. Withdrawing a withdrawn item changes nothing and says so."""
    context = SyncContext(target)
    stored = stored_now(target.organisation_id, [external_id]).get(external_id)
    if stored is None:
        raise NotFound(_l("No item with this external id."))
    return _withdraw(context, stored)
