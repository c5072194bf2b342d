"""E-mail to the people who sent notices: an acknowledgement at once, the decision later, in
the language they reported in. Reporters need no account, so these are not notifications:
the notice itself is the outbox entry (`acknowledged_at`, `decision_sent_at` say what has
left). Mail leaves after the commit (`mail.outbox`) and the job runner retries what could not
be sent, for `RETRY_FOR`.

Each e-mail goes out once (`mail.leases`): a sender leases the notice (`mail_claimed_until`)
and its process renews the lease while the mail server takes the message; a sender that died
lets the notice go when the lease runs out, and the next sender sends it. Once the mail
server has accepted, the column saying so is written even if the database connection dies
at that moment. A refused e-mail gives the notice back at once, for the next run. A copy
that still slips through (a process killed between hand-over and record) has the same
Message-ID: `<notice-<id>-received@…>` or `<notice-<id>-decision@…>`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.database import read_only_transactions
from marketplace.extensions import db
from marketplace.mail import leases, mailer, outbox
from marketplace.models import CaseStatus, ModerationCase, Notice
from marketplace.moderation import targets

logger = logging.getLogger(__name__)

OUTBOX = "moderation-mail"
RETRY_FOR = timedelta(days=2)
ACKNOWLEDGED = _l("We received your report about “%(title)s”")
DECIDED = _l("Our decision on your report about “%(title)s”")
LEASES = leases.Outbox(
    "reporter e-mail", Notice, Notice.id, Notice.mail_claimed_until, holds_end=True
)


def mail_after_commit() -> None:
    outbox.send_after_commit(OUTBOX, "NOTIFICATIONS_DELIVERY", deliver_pending)


def _send(notice: Notice, template: str, subject: Any, kind: str, **context: Any) -> None:
    recipient = mailer.recipient_at(
        notice.reporter_email, notice.reporter_locale, notice.reporter_name
    )
    details = {"title": targets.title_of(notice.target_type, notice.target_id)}
    headers = {"Message-ID": mailer.message_id(f"notice-{notice.id}-{kind}")}
    mailer.send_rendered(
        recipient, template, subject, headers=headers, notice=notice, details=details, **context
    )


def _acknowledge(notice: Notice) -> None:
    _send(notice, "notice_received", ACKNOWLEDGED, "received")


def _tell_decision(notice: Notice) -> None:
    decision = notice.case.decisions[-1] if notice.case.decisions else None
    _send(notice, "notice_decided", DECIDED, "decision", decision=decision)


def _deliver(notice_id: int, column: Any, send: Callable[[Notice], None]) -> bool:
    lease = leases.take(LEASES, notice_id, utcnow(), column.is_(None))
    if lease is None:
        return False
    with lease:
        try:
            # Only reads, so that on SQLite the lease can be renewed while the mail server works.
            with read_only_transactions():
                notice = db.session.get(Notice, notice_id)
                assert notice is not None
                send(notice)
        except Exception as error:  # a mail server down must not stop the others
            logger.warning("e-mail about notice %s failed: %s", notice_id, error)
            leases.let_go(db.session)
            lease.record(lease.release)
            return False
        leases.let_go(db.session)
        sent_at = utcnow()

        def sent(connection: sa.Connection) -> None:
            connection.execute(
                sa.update(Notice)
                .where(Notice.id == notice_id, column.is_(None))
                .values({column: sent_at})
            )
            lease.release(connection)

        lease.record(sent)
    return True


def deliver_pending(limit: int = 200) -> int:
    """Send the acknowledgements and decisions not sent yet. Safe to run anywhere, often."""
    since = utcnow() - RETRY_FOR
    unacknowledged = db.session.scalars(
        sa.select(Notice.id)
        .where(Notice.acknowledged_at.is_(None), Notice.created_at > since)
        .order_by(Notice.id)
        .limit(limit)
    ).all()
    decided = db.session.scalars(
        sa.select(Notice.id)
        .join(ModerationCase, Notice.case_id == ModerationCase.id)
        .where(
            ModerationCase.status == CaseStatus.DECIDED,
            ModerationCase.decided_at > since,
            Notice.decision_sent_at.is_(None),
        )
        .order_by(Notice.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = sum(_deliver(i, Notice.acknowledged_at, _acknowledge) for i in unacknowledged)
    sent += sum(_deliver(i, Notice.decision_sent_at, _tell_decision) for i in decided)
    return sent
