"""Who may see and manage a listing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Listing, ListingStatus, User
from marketplace.organisations.services import membership

PUBLIC = {ListingStatus.ACTIVE, ListingStatus.CLOSED, ListingStatus.EXPIRED}


def can_manage(listing: Listing, user: User) -> bool:
    """An organisation's listings are managed by all its members; others by their lister."""
    if listing.organisation_id is not None:
        return membership(listing.organisation_id, user) is not None
    return listing.owner_id == user.id


def require_manager(listing: Listing, user: User) -> None:
    if not can_manage(listing, user):
        raise NotFound(_l("No such listing."))


def get_manageable(listing_id: int, user: User) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not can_manage(listing, user):
        raise NotFound(_l("No such listing."))
    return listing


def get_visible(listing_id: int, user: User | None) -> Listing:
    """Public listings for everyone; drafts and paused ones for their managers; removed ones
    for their managers (who see why) and moderators."""
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(_l("No such listing."))
    if listing.status in PUBLIC:
        return listing
    if user is not None and (can_manage(listing, user) or user.is_moderator):
        return listing
    raise NotFound(_l("No such listing."))
