"""Telling people what happened: an in-app notification, and an e-mail in their language.

The notification row is also the e-mail's outbox entry. It exists only if its change was
committed, so no e-mail is ever sent for a rolled-back change. After the commit, a background
thread of the same process delivers it; `flask notifications send` (run from cron, or by the
job runner) delivers whatever a crash or an unreachable mail server left behind. A sender
claims a row for a while before sending, so two senders never mail the same notification.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from marketplace import mailer
from marketplace.database import after_commit, utcnow
from marketplace.extensions import db
from marketplace.links import external_url
from marketplace.models import Notification, Reservation, User

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
}
CLAIM = timedelta(minutes=5)
MAX_ATTEMPTS = 8


def notify(recipient: User | int, kind: str, reservation: Reservation, **data: Any) -> None:
    """Add the notification to the current transaction; it is e-mailed after commit."""
    details = {"title": reservation.listing.title, **data}
    db.session.execute(
        sa.insert(Notification).values(
            user_id=recipient if isinstance(recipient, int) else recipient.id,
            kind=kind,
            reservation_id=reservation.id,
            data=details,
            created_at=utcnow(),
            email_attempts=0,
        )
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(db.session, lambda: _after_commit(app), key="notifications")


def _after_commit(app: Flask) -> None:
    mode = app.config["NOTIFICATIONS_DELIVERY"]
    if mode == "inline":
        with app.app_context():
            deliver_pending()
    elif mode == "thread":
        _sender_for(app).wake()


class _Sender:
    """One daemon thread per process that sends pending e-mails when woken."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wanted = threading.Event()
        threading.Thread(target=self._run, name="mail-sender", daemon=True).start()

    def wake(self) -> None:
        self.wanted.set()

    def _run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            try:
                with self.app.app_context():
                    deliver_pending()
            except Exception:
                logger.exception("sending notification e-mails failed; the job will retry")


_senders: dict[int, _Sender] = {}
_senders_lock = threading.Lock()


def _sender_for(app: Flask) -> _Sender:
    with _senders_lock:
        if id(app) not in _senders:
            _senders[id(app)] = _Sender(app)
        return _senders[id(app)]


def _claim(notification_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.emailed_at.is_(None),
            sa.or_(
                Notification.email_claimed_at.is_(None), Notification.email_claimed_at < now - CLAIM
            ),
        )
        .values(email_claimed_at=now, email_attempts=Notification.email_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def _send(notification: Notification) -> None:
    link = (
        external_url("reservations.detail", reservation_id=notification.reservation_id)
        if notification.reservation_id
        else external_url("main.notifications_page")
    )
    mailer.send_to_user(
        notification.user,
        "reservation",
        SUBJECTS[notification.kind],
        kind=notification.kind,
        details=notification.data,
        link=link,
    )


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
        if not _claim(notification_id):
            continue
        notification = db.session.get(Notification, notification_id)
        assert notification is not None
        try:
            _send(notification)
        except Exception as error:  # a mail server down must not stop the others
            logger.warning("e-mail of notification %s failed: %s", notification_id, error)
            notification.email_error = str(error)[:300]
        else:
            notification.emailed_at = utcnow()
            notification.email_error = None
            sent += 1
        db.session.commit()
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
