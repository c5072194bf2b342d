"""Deleting an account (GDPR Art. 17): the person's data is erased or anonymised, and what
the law or other people need is kept without them.

- Kept: the user row, anonymised, so that other people's records stay whole (the other
  party's reservation keeps its quantity, dates and price; completed handovers stay in the
  impact figures); payments (bookkeeping law); notices, decisions and complaints (the DSA's
  transparency report), without the person's name and e-mail; the audit trail of what was
  done and when, whose events then name an anonymised account and lose their details.
- Erased: sign-ins (every session ends), notifications, saved searches, memberships, what the
  person wrote in reservations and messages (also in the other party's notifications), their
  listings' texts and photos, their pickup places (a place that a kept listing needs keeps only
  its postal area and a point on the public grid).
- Changed through the state machine: their open reservations, on both sides, are cancelled
  and the other party is told; their own listings are withdrawn. An organisation's listings
  stay the organisation's, and pass to another of its owners.

An organisation must keep an owner: the last owner is asked to hand ownership over first.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.auth.passwords import verify_password
from marketplace.core.clock import utcnow
from marketplace.core.storage import storage_for
from marketplace.database import after_commit
from marketplace.errors import Conflict, ValidationError
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import (
    HOLDING,
    AlertedListing,
    AuditEvent,
    Complaint,
    Decision,
    EventKind,
    Listing,
    ListingStatus,
    MemberRole,
    Membership,
    Notice,
    Notification,
    Organisation,
    Reservation,
    ReservationEvent,
    ReservationStatus,
    Role,
    SavedSearch,
    SignIn,
    Site,
    User,
    WebhookDelivery,
    audit,
)
from marketplace.organisations.access import owners
from marketplace.reservations import notices, stock, transitions
from marketplace.sites import places

DELETED_NAME = _l("Deleted account")
OTHER_PARTY_LEFT = _l("The other party has deleted their account.")
# What the other party's notifications kept of the person: their name, their words, and
# their home (the pickup place an acceptance gave). The rest (title, amount, times) stays.
PERSONAL_NOTICE_KEYS = frozenset(
    {"requester", "author", "text", "message", "place", "instructions", "reason"}
)
WITHDRAWN = (
    ListingStatus.DRAFT,
    ListingStatus.ACTIVE,
    ListingStatus.PAUSED,
    ListingStatus.PENDING_REVIEW,
)


def organisations_needing_an_owner(user: User) -> list[Organisation]:
    """The organisations the user is the last owner of."""
    other_owner = (
        sa.select(Membership.id)
        .where(
            Membership.organisation_id == Organisation.id,
            Membership.role == MemberRole.OWNER,
            Membership.user_id != user.id,
        )
        .exists()
    )
    owned = sa.select(Membership.organisation_id).where(
        Membership.user_id == user.id, Membership.role == MemberRole.OWNER
    )
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.id.in_(owned), ~other_owner)
            .order_by(Organisation.name)
        )
    )


def _personal_listings(user: User) -> sa.Select[Any]:
    return sa.select(Listing.id).where(
        Listing.owner_id == user.id, Listing.organisation_id.is_(None)
    )


def _reservations_of(user: User) -> sa.Select[Any]:
    """Reservations the person is a party to: as requester, or as the lister of their own."""
    return sa.select(Reservation.id).where(
        sa.or_(
            Reservation.requester_id == user.id,
            Reservation.listing_id.in_(_personal_listings(user)),
        )
    )


def _erase_words(user: User) -> None:
    """What the person wrote, and where it was copied: the other party's notifications, the
    partners' webhook deliveries and the audit trail."""
    wrote_reasons = set(
        db.session.scalars(
            sa.select(ReservationEvent.reservation_id).where(
                ReservationEvent.actor_id == user.id,
                ReservationEvent.kind == EventKind.TRANSITION,
                ReservationEvent.text != "",
            )
        )
    )
    db.session.execute(
        sa.update(Reservation).where(Reservation.id.in_(wrote_reasons)).values(reason="")
    )
    db.session.execute(
        sa.update(ReservationEvent).where(ReservationEvent.actor_id == user.id).values(text="")
    )
    db.session.execute(
        sa.update(Reservation).where(Reservation.requester_id == user.id).values(message="")
    )
    quoted = db.session.scalars(
        sa.select(Notification).where(
            Notification.reservation_id.in_(_reservations_of(user)),
            Notification.user_id != user.id,
        )
    )
    for notification in quoted:
        notification.data = {
            key: value
            for key, value in notification.data.items()
            if key not in PERSONAL_NOTICE_KEYS
        }
    _erase_from_deliveries(user, wrote_reasons)
    # The trail keeps what was done, to which object and when; its details copy names,
    # titles and reasons, and of the person's own actions and of their account they go.
    db.session.execute(
        sa.update(AuditEvent)
        .where(
            sa.or_(
                AuditEvent.actor_id == user.id,
                sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == user.id),
            )
        )
        .values(details={})
    )


def _erase_from_deliveries(user: User, wrote_reasons: set[int]) -> None:
    """A partner's delivery history keeps each webhook's body; the person's name, message
    and reasons leave it (the partner, who received them, is a controller of its own)."""
    asked = sa.select(Reservation.id).where(Reservation.requester_id == user.id)
    deliveries = db.session.scalars(
        sa.select(WebhookDelivery).where(
            sa.or_(
                WebhookDelivery.reservation_id.in_(asked),
                WebhookDelivery.reservation_id.in_(wrote_reasons),
            )
        )
    )
    for delivery in deliveries:
        body = json.loads(delivery.payload)
        reservation = body.get("data", {}).get("reservation", {})
        if delivery.reservation_id in wrote_reasons:
            reservation["reason"] = ""
        if reservation.get("requester", {}).get("name") == user.display_name:
            reservation["requester"]["name"] = _deleted_name()
            reservation["message"] = ""
        delivery.payload = json.dumps(body, separators=(",", ":"), sort_keys=True)


def _cancel_open_reservations(user: User, now: datetime) -> None:
    """Through the state machine: the stock is released, a payment refunded, a partner told
    by webhook, and the other party by a notice in their language."""
    still_open = db.session.scalars(
        sa.select(Reservation)
        .where(Reservation.status.in_(HOLDING), Reservation.id.in_(_reservations_of(user)))
        .order_by(Reservation.id)
        .with_for_update(of=Reservation)
    ).all()
    for reservation in still_open:
        other = (
            notices.lister(reservation)
            if reservation.requester_id == user.id
            else reservation.requester
        )
        with force_locale(str(other.locale)):
            reason = str(OTHER_PARTY_LEFT)
        transitions.move(reservation, None, HOLDING, ReservationStatus.CANCELLED, now, reason)
        stock.release(reservation)
        notifications.notify(other, "cancelled", reservation, reason=reason)


def _withdraw_listings(user: User, now: datetime) -> None:
    photo_files: list[str] = []
    listings = db.session.scalars(
        sa.select(Listing).where(Listing.id.in_(_personal_listings(user)))
    )
    for listing in listings:
        if listing.status in WITHDRAWN:
            listing.status = ListingStatus.CLOSED
            listing.closed_at = now
        listing.description = ""
        listing.pickup_instructions = ""
        listing.hazard_notes = ""
        for photo in list(listing.photos):
            photo_files.extend(photo.variants.values())
            listing.photos.remove(photo)
    if photo_files:
        _delete_files_after_commit(photo_files)


def _delete_files_after_commit(keys: list[str]) -> None:
    # Only once the rows are gone: a rolled-back deletion must find its photos still there.
    storage = storage_for(current_app)

    def delete() -> None:
        for key in keys:
            storage.delete(key)

    after_commit(db.session, delete)


def _hand_over_organisation_listings(user: User) -> None:
    listings = db.session.scalars(
        sa.select(Listing).where(Listing.owner_id == user.id, Listing.organisation_id.is_not(None))
    )
    heirs: dict[int, User] = {}
    for listing in listings:
        organisation_id = listing.organisation_id
        assert organisation_id is not None
        if organisation_id not in heirs:
            heirs[organisation_id] = next(
                owner for owner in owners(organisation_id) if owner.id != user.id
            )
        listing.owner = heirs[organisation_id]


def _erase_places(user: User) -> None:
    used = sa.select(Listing.site_id)
    db.session.execute(sa.delete(Site).where(Site.user_id == user.id, Site.id.not_in(used)))
    for site in db.session.scalars(sa.select(Site).where(Site.user_id == user.id)):
        site.name = ""
        site.address = ""
        site.latitude, site.longitude = places.snapped(site.latitude, site.longitude)


def _erase_records(user: User) -> None:
    searches = sa.select(SavedSearch.id).where(SavedSearch.user_id == user.id)
    db.session.execute(
        sa.delete(AlertedListing).where(AlertedListing.saved_search_id.in_(searches))
    )
    db.session.execute(sa.delete(SavedSearch).where(SavedSearch.user_id == user.id))
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(sa.delete(Membership).where(Membership.user_id == user.id))
    db.session.execute(sa.delete(SignIn).where(SignIn.user_id == user.id))


def _anonymise_moderation(user: User) -> None:
    """Notices, decisions and complaints stay for the transparency report, without the
    person's name and e-mail."""
    db.session.execute(
        sa.update(Notice)
        .where(sa.or_(Notice.reporter_user_id == user.id, Notice.reporter_email == user.email))
        .values(reporter_user_id=None, reporter_name="", reporter_email="")
    )
    about_them = Decision.affected_user_id == user.id
    db.session.execute(sa.update(Decision).where(about_them).values(affected_user_id=None))
    db.session.execute(
        sa.update(Complaint)
        .where(
            sa.or_(
                Complaint.complainant_user_id == user.id, Complaint.complainant_email == user.email
            )
        )
        .values(complainant_user_id=None, complainant_email="", text="")
    )


def _deleted_name() -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(DELETED_NAME)


def _anonymise(user: User, now: datetime) -> None:
    user.display_name = _deleted_name()
    user.email = f"deleted-{user.id}@deleted.invalid"
    # No password opens it: this is not a hash any password verifies against.
    user.password_hash = f"!deleted:{secrets.token_hex(16)}"
    user.active = False
    user.role = Role.MEMBER
    user.deleted_at = now


def delete_account(user: User, password: str, now: datetime | None = None) -> None:
    """Delete the person's account for good, once they have given their password again."""
    if user.deleted_at is not None or not verify_password(user.password_hash, password):
        raise ValidationError(_l("The password is not right."), field="password")
    blocking = organisations_needing_an_owner(user)
    if blocking:
        raise Conflict(
            _l(
                "You are the last owner of %(names)s. Make another member an owner on the "
                "organisation's page first (add a colleague if you are its only member), or "
                "ask the marketplace to close it.",
                names=", ".join(organisation.name for organisation in blocking),
            ),
            field="password",
        )
    now = now or utcnow()
    _erase_words(user)
    _anonymise_moderation(user)
    # Before the cancellations, so that what they send (notices, webhooks) no longer
    # names the person.
    _anonymise(user, now)
    _cancel_open_reservations(user, now)
    _withdraw_listings(user, now)
    _hand_over_organisation_listings(user)
    _erase_places(user)
    _erase_records(user)
    audit.record(user, "user.deleted", "user", user.id)
    db.session.commit()


@dataclass(frozen=True)
class Preview:
    """What deleting the account would do, shown before the person confirms."""

    listings: int
    open_reservations: int
    blocking: list[Organisation]


def preview(user: User) -> Preview:
    listings = (
        sa.select(sa.func.count())
        .select_from(Listing)
        .where(Listing.id.in_(_personal_listings(user)), Listing.status.in_(WITHDRAWN))
    )
    reservations = (
        sa.select(sa.func.count())
        .select_from(Reservation)
        .where(Reservation.id.in_(_reservations_of(user)), Reservation.status.in_(HOLDING))
    )
    return Preview(
        listings=int(db.session.scalar(listings) or 0),
        open_reservations=int(db.session.scalar(reservations) or 0),
        blocking=organisations_needing_an_owner(user),
    )
