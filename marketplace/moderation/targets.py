"""What a notice or a decision is about, read the same way for every kind of item: its name,
whose it is, where it is, and who may report it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.listings import access as listing_access
from marketplace.models import (
    Listing,
    MemberRole,
    Membership,
    ModerationTarget,
    Organisation,
    Reservation,
    ReservationEvent,
    User,
)
from marketplace.web.links import external_url


@dataclass(frozen=True)
class Target:
    type: ModerationTarget
    id: int
    # What the item is called where people see it: a listing's title, a person's name.
    # Lazy for a message, so that it reads in the language of whoever it is shown to.
    title: str | LazyString
    # The person whose content it is, who is told of a decision and may contest it.
    affected: User | None
    # The item's page, as a reporter and a moderator open it.
    url: str
    listing: Listing | None = None
    # The words reported, for a message.
    text: str = ""
    # The reservation a message belongs to: only its parties may report the message.
    reservation: Reservation | None = None


def _listing(listing_id: int) -> Target:
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(_l("No such listing."))
    url = external_url("listings.detail", listing_id=listing.id)
    return Target(ModerationTarget.LISTING, listing.id, listing.title, listing.owner, url, listing)


def _organisation(organisation_id: int) -> Target:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_l("No such organisation."))
    # The organisation's first owner answers for what it publishes.
    owner = db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.role == MemberRole.OWNER)
        .order_by(Membership.id)
        .limit(1)
    )
    url = external_url("organisations.detail", organisation_id=organisation.id)
    return Target(ModerationTarget.ORGANISATION, organisation.id, organisation.name, owner, url)


def _message(event_id: int) -> Target:
    event = db.session.get(ReservationEvent, event_id)
    if event is None or not event.text or event.actor is None:
        raise NotFound(_l("No such message."))
    reservation = event.reservation
    url = external_url(
        "reservations.detail", reservation_id=reservation.id, _anchor=f"event-{event.id}"
    )
    title = _l("Message about “%(title)s”", title=reservation.listing.title)
    return Target(
        ModerationTarget.MESSAGE,
        event.id,
        title,
        event.actor,
        url,
        text=event.text,
        reservation=reservation,
    )


def _user(user_id: int) -> Target:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(_l("No such person."))
    # A person has no public page; where they were met is in the notice's location.
    return Target(ModerationTarget.USER, user.id, user.display_name, user, "")


FINDERS = {
    ModerationTarget.LISTING: _listing,
    ModerationTarget.ORGANISATION: _organisation,
    ModerationTarget.MESSAGE: _message,
    ModerationTarget.USER: _user,
}


def find(target_type: ModerationTarget, target_id: int) -> Target:
    return FINDERS[target_type](target_id)


def is_party(reservation: Reservation, user: User | None) -> bool:
    if user is None:
        return False
    return reservation.requester_id == user.id or listing_access.can_manage(
        reservation.listing, user
    )


def find_reportable(target_type: ModerationTarget, target_id: int, user: User | None) -> Target:
    """The item, if this visitor can see it and so report it. Messages are seen by the
    reservation's parties only, and listings that are not public by their managers only:
    to anyone else they do not exist."""
    target = find(target_type, target_id)
    if target.reservation is not None and not is_party(target.reservation, user):
        raise NotFound(_l("No such message."))
    if target.listing is not None and target.listing.status not in listing_access.PUBLIC:
        listing_access.get_visible(target.listing.id, user)
    if target.type == ModerationTarget.USER:
        _require_met(target_id, user)
    return target


def _require_met(user_id: int, viewer: User | None) -> None:
    """A person is reported from the opening message of a reservation they asked for, which
    only the listing's managers read; nobody else can tell whether the account exists."""
    if viewer is None:
        raise NotFound(_l("No such person."))
    theirs = sa.select(Membership.organisation_id).where(Membership.user_id == viewer.id)
    managed = sa.or_(
        sa.and_(Listing.organisation_id.is_(None), Listing.owner_id == viewer.id),
        Listing.organisation_id.in_(theirs),
    )
    met = (
        sa.select(Reservation.id)
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(Reservation.requester_id == user_id, managed)
    )
    if not db.session.scalar(sa.select(met.exists())):
        raise NotFound(_l("No such person."))


def title_of(target_type: ModerationTarget, target_id: int) -> str | LazyString:
    """The item's name, or a stand-in once it is gone (an erased account)."""
    try:
        return find(target_type, target_id).title
    except NotFound:
        return _l("an item no longer here")
