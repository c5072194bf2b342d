"""Telling people what happened: an in-app notification, and an e-mail in their language.

The notification row is also the e-mail's outbox entry. It exists only if its change was
committed, so no e-mail is ever sent for a rolled-back change. After the commit, a background
thread of the same process delivers it; `flask notifications send` (run from cron, or by the
job runner) delivers whatever a crash or an unreachable mail server left behind.

Each e-mail goes out once (`mail.leases`): a sender leases the row (`email_claimed_at` is when
its lease began) and its process renews the lease while the mail server takes the message, so
no second sender sends it meanwhile, and a sender that died lets it go after
`OUTBOX_LEASE_SECONDS`. Once the mail server has accepted, `emailed_at` is written even if
the database connection dies at that moment (on a new connection, or later from this
process's memory). A copy that still slips through (a process killed between the two) has
the same Message-ID, `<notification-<id>@<host of PUBLIC_BASE_URL>>`. A failed attempt is
tried again after `RETRY_AFTER`, up to `MAX_ATTEMPTS` attempts in all.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from flask import url_for
from flask_babel import LazyString, format_date, format_datetime
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.database import read_only_transactions
from marketplace.extensions import db
from marketplace.mail import leases, mailer, outbox
from marketplace.models import Notification, Reservation, Unit, User
from marketplace.web import labels
from marketplace.web.links import external_url

logger = logging.getLogger(__name__)

SUBJECTS: dict[str, LazyString] = {
    "new_request": _l("New request for “%(title)s”"),
    "accepted": _l("Your request for “%(title)s” was accepted"),
    "declined": _l("Your request for “%(title)s” was declined"),
    "cancelled": _l("A reservation of “%(title)s” was cancelled"),
    "expiring_soon": _l("A reservation of “%(title)s” needs you soon"),
    "expired": _l("A reservation of “%(title)s” expired"),
    "completed": _l("“%(title)s” was handed over"),
    "message": _l("New message about “%(title)s”"),
    # Not about a reservation: "title" is the wanted ad's title or the saved search's name.
    "wanted_match": _l("A listing matches your wanted ad “%(title)s”"),
    "saved_search_alert": _l("New listings for your saved search: %(title)s"),
    # "title" is the organisation's name.
    "organisation_verified": _l("%(title)s has been verified"),
    "organisation_rejected": _l("The verification of %(title)s was refused"),
    "organisation_unverified": _l("%(title)s is no longer verified"),
    # Moderation: "title" is the item's name as the recipient knows it.
    "moderation_decision": _l("A moderator's decision about “%(title)s”"),
    "complaint_outcome": _l("Your complaint about “%(title)s” has been decided"),
    "listing_approved": _l("“%(title)s” was approved and is now published"),
}
# E-mail templates of the kinds that are not about a reservation.
TEMPLATES = {
    "wanted_match": "wanted_match",
    "saved_search_alert": "saved_search_alert",
    "organisation_verified": "organisation_verification",
    "organisation_rejected": "organisation_verification",
    "organisation_unverified": "organisation_verification",
    "moderation_decision": "moderation_decision",
    "complaint_outcome": "complaint_outcome",
    "listing_approved": "listing_approved",
}
MAX_ATTEMPTS = 8
RETRY_AFTER = timedelta(minutes=5)
OUTBOX = leases.Outbox(
    "notification e-mail",
    Notification,
    Notification.id,
    Notification.email_claimed_at,
    holds_end=False,
)


def amount_of(
    quantity: Decimal, unit: Unit, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """A reservation's amount as a notification keeps it: unformatted, since the reader's
    language, not the writer's, decides how it reads (see `amount_text`)."""
    amount: dict[str, Any] = {"quantity": str(quantity), "unit": unit.value}
    if start is not None and end is not None:
        amount.update(start=start.isoformat(), end=end.isoformat())
    return amount


def amount_text(amount: Any) -> str:
    if not isinstance(amount, dict):
        return str(amount or "")
    text = labels.quantity(Decimal(amount["quantity"]), Unit(amount["unit"]))
    if "start" in amount:
        first, last = date.fromisoformat(amount["start"]), date.fromisoformat(amount["end"])
        text += f", {format_date(first, 'short')} – {format_date(last, 'short')}"
    return text


def moment_text(moment: Any) -> str:
    """A moment a notification keeps (ISO 8601), as the reader's language writes it."""
    try:
        return str(format_datetime(datetime.fromisoformat(moment), "short"))
    except (TypeError, ValueError):
        return str(moment or "")


def link(endpoint: str, **values: Any) -> dict[str, Any]:
    """What a notification not about a reservation links to, kept in its data as a route
    (endpoint and values) so that the page and the e-mail can both build the address."""
    return {"endpoint": endpoint, "values": values}


# Prepared once: building the statement anew on every call cost more than running it.
INSERT_NOTIFICATION = sa.insert(cast(sa.Table, Notification.__table__))


def notify(
    recipient: User | int,
    kind: str,
    reservation: Reservation | None,
    *,
    email: bool = True,
    **data: Any,
) -> None:
    """Add the notification to the current transaction; it is e-mailed after commit.

    Without a reservation, `data` names its "title" and, with `link(...)`, its "link" (and
    "unsubscribe", a route that turns such e-mails off without signing in). `email=False`
    keeps it in the app only: its outbox entry is born done."""
    add(notice(recipient, kind, reservation, email=email, **data))


def add(row: dict[str, Any]) -> None:
    """Add a notification made by `notice` to the current transaction."""
    db.session.execute(INSERT_NOTIFICATION, row)
    if row["emailed_at"] is None:
        email_after_commit()


def notice(
    recipient: User | int,
    kind: str,
    reservation: Reservation | None,
    *,
    email: bool = True,
    **data: Any,
) -> dict[str, Any]:
    """The notification's row, for `add`, or for a caller that writes it together with
    other rows and then calls `email_after_commit`."""
    details = {"title": reservation.listing.title, **data} if reservation else dict(data)
    now = utcnow()
    return {
        "user_id": recipient if isinstance(recipient, int) else recipient.id,
        "kind": kind,
        "reservation_id": reservation.id if reservation else None,
        "data": details,
        "created_at": now,
        "emailed_at": None if email else now,
        "email_attempts": 0,
    }


def email_after_commit() -> None:
    outbox.send_after_commit("notifications", "NOTIFICATIONS_DELIVERY", deliver_pending)


def _claim(notification_id: int) -> leases.Lease | None:
    return leases.take(
        OUTBOX,
        notification_id,
        utcnow(),
        Notification.emailed_at.is_(None),
        values={Notification.email_attempts: Notification.email_attempts + 1},
    )


def _route(notification: Notification, key: str = "link") -> tuple[str, dict[str, Any]]:
    if notification.reservation_id and key == "link":
        return "reservations.detail", {"reservation_id": notification.reservation_id}
    target = notification.data.get(key)
    if isinstance(target, dict) and "endpoint" in target:
        return str(target["endpoint"]), dict(target.get("values") or {})
    return "main.notifications_page", {}


def link_of(notification: Notification) -> str:
    """The page the notification is about, for the notifications page."""
    endpoint, values = _route(notification)
    return url_for(endpoint, **values)


def _unsubscribe_headers(url: str | None) -> dict[str, str]:
    if url is None:
        return {}
    # RFC 2369 names the address; RFC 8058 lets the mail client unsubscribe with one POST.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _send(notification: Notification) -> None:
    endpoint, values = _route(notification)
    unsubscribe = None
    if "unsubscribe" in notification.data:
        target, target_values = _route(notification, "unsubscribe")
        unsubscribe = external_url(target, **target_values)
    headers = {
        "Message-ID": mailer.message_id(f"notification-{notification.id}"),
        **_unsubscribe_headers(unsubscribe),
    }
    mailer.send_to_user(
        notification.user,
        TEMPLATES.get(notification.kind, "reservation"),
        SUBJECTS[notification.kind],
        headers=headers,
        kind=notification.kind,
        details=notification.data,
        link=external_url(endpoint, **values),
        unsubscribe=unsubscribe,
        external_url=external_url,
    )


def _hand_over(notification_id: int) -> str | None:
    """Give the e-mail to the mail server: None once it has accepted, else what went wrong."""
    try:
        # Only reads, so that on SQLite the lease can be renewed while the mail server works.
        with read_only_transactions():
            notification = db.session.get(Notification, notification_id)
            assert notification is not None
            _send(notification)
    except Exception as error:  # a mail server down must not stop the others
        logger.warning("e-mail of notification %s failed: %s", notification_id, error)
        return str(error)[:300] or type(error).__name__
    finally:
        leases.let_go(db.session)
    return None


def _sent(lease: leases.Lease) -> leases.Write:
    sent_at = utcnow()

    def write(connection: sa.Connection) -> None:
        connection.execute(
            sa.update(Notification)
            .where(Notification.id == lease.row_id, Notification.emailed_at.is_(None))
            .values(emailed_at=sent_at, email_error=None)
        )
        lease.release(connection)

    return write


def _failed(lease: leases.Lease, error: str) -> leases.Write:
    # The lease is made to run out when the next attempt is due, so that no sender tries
    # before then: the time a lease began is set so that it ends RETRY_AFTER from now.
    next_lease_began = lease.now() + RETRY_AFTER - lease.length

    def write(connection: sa.Connection) -> None:
        connection.execute(
            sa.update(Notification)
            .where(lease.mine(), Notification.emailed_at.is_(None))
            .values(email_error=error, email_claimed_at=next_lease_began)
        )

    return write


def deliver_pending(limit: int = 200) -> int:
    """Send the e-mails of committed notifications not sent yet. Safe to run anywhere."""
    pending = db.session.scalars(
        sa.select(Notification.id)
        .where(Notification.emailed_at.is_(None), Notification.email_attempts < MAX_ATTEMPTS)
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = 0
    for notification_id in pending:
        lease = _claim(notification_id)
        if lease is None:
            continue
        with lease:
            error = _hand_over(notification_id)
            if error is None:
                sent += 1
                lease.record(_sent(lease))
            else:
                lease.record(_failed(lease, error))
    return sent


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user: User) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()


def text_of(notification: Notification) -> str:
    """The notification's headline in the reader's language."""
    subject = SUBJECTS.get(notification.kind)
    return str(subject) % notification.data if subject is not None else notification.kind
