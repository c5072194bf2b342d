"""Who may see and manage a listing."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Listing, ListingStatus, Reservation, ReservationStatus, User
from marketplace.organisations.services import membership
from marketplace.sites import places
from marketplace.sites.places import PublicPlace

PUBLIC = {ListingStatus.ACTIVE, ListingStatus.CLOSED, ListingStatus.EXPIRED}
# A requester learns a private person's address when the lister accepts, and keeps it after.
ADDRESS_GIVEN = (ReservationStatus.ACCEPTED, ReservationStatus.COMPLETED)


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


def sees_exact_place(listing: Listing, user: User | None) -> bool:
    """Organisations' places are public. A private person's place (their home, usually) is
    seen exactly by its lister, their organisation, moderators, and requesters the lister
    accepted; everyone else sees `places.public_place`."""
    site = listing.site
    if not places.is_private(site.organisation_id):
        return True
    if user is None:
        return False
    if user.is_moderator or site.user_id == user.id or can_manage(listing, user):
        return True
    accepted = sa.select(Reservation.id).where(
        Reservation.listing_id == listing.id,
        Reservation.requester_id == user.id,
        Reservation.status.in_(ADDRESS_GIVEN),
    )
    return bool(db.session.scalar(sa.select(accepted.exists())))


def place_for(listing: Listing, user: User | None) -> PublicPlace:
    """The listing's pickup place as this user may see it."""
    if sees_exact_place(listing, user):
        return places.exact_place(listing.site)
    return places.public_place(listing.site)
