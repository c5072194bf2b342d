"""Everything the marketplace holds about a person, for them to download (GDPR Art. 15 and
20): every row that names them, whole, and the rows of the things they take part in (their
organisations, the reservations on their listings and the messages in them).

Rows are written out column by column, so a column added to a table later is in the
export without anyone remembering it; only the secrets in WITHHELD are left out. SOURCES says
which column names the person in each table; tests/privacy/test_export.py walks the models
and fails when a column that names a person is in none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Complaint,
    Decision,
    EventKind,
    FeedSource,
    Listing,
    ListingPhoto,
    Membership,
    Notice,
    Notification,
    Organisation,
    PartnerKey,
    Payment,
    Reservation,
    ReservationEvent,
    SavedSearch,
    SignIn,
    Site,
    User,
    WebhookEndpoint,
)

FORMAT = "kera-marketplace-personal-data"
VERSION = 1
# Secrets, not information about anyone: a password's hash, the digests that let a sign-in
# or an API key in, and a webhook's signing secret. Exporting them would only help an attacker
# who got hold of the file.
WITHHELD = frozenset(
    {
        "users.password_hash",
        "sign_ins.token_digest",
        "partner_keys.token_digest",
        "webhook_endpoints.secret",
    }
)


@dataclass(frozen=True)
class Source:
    """The rows of one table that name the person in one column: by their id (a foreign key
    to users) or by their e-mail address (what someone signed out typed in)."""

    section: str
    column: sa.orm.InstrumentedAttribute[Any]
    by_email: bool = False

    @property
    def table(self) -> sa.Table:
        return self.column.class_.__table__  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        """The column as "table.column"."""
        return f"{self.table.name}.{self.column.expression.name}"

    def rows(self, user: User) -> Iterable[Any]:
        model = self.column.class_
        value = user.email if self.by_email else user.id
        query = sa.select(model).where(self.column == value).order_by(*model.__mapper__.primary_key)
        return db.session.scalars(query)


SOURCES = (
    Source("profile", User.id),
    Source("sign_ins", SignIn.user_id),
    Source("memberships", Membership.user_id),
    Source("sites", Site.user_id),
    Source("listings", Listing.owner_id),
    Source("reservations", Reservation.requester_id),
    Source("reservation_events", ReservationEvent.actor_id),
    Source("notifications", Notification.user_id),
    Source("saved_searches", SavedSearch.user_id),
    Source("notices_filed", Notice.reporter_user_id),
    Source("notices_filed", Notice.reporter_email, by_email=True),
    Source("decisions_about_you", Decision.affected_user_id),
    Source("complaints", Complaint.complainant_user_id),
    Source("complaints", Complaint.complainant_email, by_email=True),
    Source("activity", AuditEvent.actor_id),
    Source("partner_keys", PartnerKey.created_by_id),
    Source("partner_keys", PartnerKey.revoked_by_id),
    Source("webhook_endpoints", WebhookEndpoint.created_by_id),
    Source("feed_sources", FeedSource.created_by_id),
    # What a moderator or an administrator did in their role.
    Source("decisions_you_made", Decision.decided_by_id),
    Source("complaints_you_handled", Complaint.handled_by_id),
    Source("listings_you_removed", Listing.removed_by_id),
    Source("organisations_you_verified", Organisation.verification_decided_by_id),
)


def _organisations(user: User) -> sa.Select[Any]:
    mine = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
    return sa.select(Organisation).where(Organisation.id.in_(mine)).order_by(Organisation.id)


def _reservations_on_listings(user: User) -> sa.Select[Any]:
    mine = sa.select(Listing.id).where(Listing.owner_id == user.id)
    return sa.select(Reservation).where(Reservation.listing_id.in_(mine)).order_by(Reservation.id)


def _reservation_ids(user: User) -> sa.Select[Any]:
    mine = sa.select(Listing.id).where(Listing.owner_id == user.id)
    return sa.select(Reservation.id).where(
        sa.or_(Reservation.requester_id == user.id, Reservation.listing_id.in_(mine))
    )


def _messages(user: User) -> sa.Select[Any]:
    """The conversations of the reservations they are a party to, both sides of them."""
    return (
        sa.select(ReservationEvent)
        .where(
            ReservationEvent.kind == EventKind.MESSAGE,
            ReservationEvent.reservation_id.in_(_reservation_ids(user)),
        )
        .order_by(ReservationEvent.id)
    )


def _photos(user: User) -> sa.Select[Any]:
    mine = sa.select(Listing.id).where(Listing.owner_id == user.id)
    query = sa.select(ListingPhoto).where(ListingPhoto.listing_id.in_(mine))
    return query.order_by(ListingPhoto.id)


def _payments(user: User) -> sa.Select[Any]:
    return (
        sa.select(Payment)
        .where(Payment.reservation_id.in_(_reservation_ids(user)))
        .order_by(Payment.id)
    )


# Rows that do not name the person but are theirs to see: what they take part in.
RELATED: tuple[tuple[str, Callable[[User], sa.Select[Any]]], ...] = (
    ("organisations", _organisations),
    ("reservations_on_your_listings", _reservations_on_listings),
    ("messages", _messages),
    ("listing_photos", _photos),
    ("payments", _payments),
)

TITLES: dict[str, LazyString] = {
    "profile": _l("Profile"),
    "sign_ins": _l("Sign-ins"),
    "memberships": _l("Memberships of organisations"),
    "organisations": _l("Organisations"),
    "sites": _l("Pickup places"),
    "listings": _l("Listings"),
    "listing_photos": _l("Photos of your listings"),
    "reservations": _l("Your reservations"),
    "reservations_on_your_listings": _l("Reservations on your listings"),
    "reservation_events": _l("What you did in reservations"),
    "messages": _l("Messages"),
    "payments": _l("Payments"),
    "notifications": _l("Notifications"),
    "saved_searches": _l("Saved searches"),
    "notices_filed": _l("Notices you filed"),
    "decisions_about_you": _l("Moderation decisions about you"),
    "complaints": _l("Your complaints"),
    "activity": _l("Activity log"),
    "partner_keys": _l("Partner API keys"),
    "webhook_endpoints": _l("Webhook endpoints"),
    "feed_sources": _l("Inventory feeds"),
    "decisions_you_made": _l("Moderation decisions you made"),
    "complaints_you_handled": _l("Complaints you handled"),
    "listings_you_removed": _l("Listings you removed"),
    "organisations_you_verified": _l("Organisations you decided on"),
}


def plain(value: Any) -> Any:
    """A column's value as JSON has it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def row_of(instance: Any) -> dict[str, Any]:
    table: sa.Table = instance.__table__
    mapper = sa.inspect(type(instance))
    return {
        column.key: plain(getattr(instance, mapper.get_property_by_column(column).key))
        for column in table.columns
        if f"{table.name}.{column.name}" not in WITHHELD
    }


def _add(sections: dict[str, dict[Any, dict[str, Any]]], section: str, rows: Iterable[Any]) -> None:
    kept = sections.setdefault(section, {})
    for instance in rows:
        kept.setdefault(instance.id, row_of(instance))


def collect(user: User) -> dict[str, Any]:
    """Everything about the person, as one JSON document."""
    sections: dict[str, dict[Any, dict[str, Any]]] = {}
    for source in SOURCES:
        _add(sections, source.section, source.rows(user))
    for section, query in RELATED:
        _add(sections, section, db.session.scalars(query(user)))
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": utcnow().isoformat(),
        "person": {"id": user.id, "email": user.email, "display_name": user.display_name},
        "sections": {
            name: list(rows.values()) for name, rows in sorted(sections.items(), key=_order)
        },
    }


def _order(item: tuple[str, Any]) -> int:
    names = list(TITLES)
    return names.index(item[0]) if item[0] in names else len(names)


def title_of(section: str) -> str:
    return str(TITLES.get(section, section))
