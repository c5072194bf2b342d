"""E-mail to the people who sent notices: an acknowledgement at once, the decision later, in
the language they reported in. Reporters need no account, so these are not notifications:
the notice itself is the outbox entry (`acknowledged_at`, `decision_sent_at` say what has
left). Mail leaves after the commit (`mail.outbox`) and the job runner retries what could not
be sent, for `RETRY_FOR`.

A sender claims a notice by setting the column before sending and clears it again when the
mail server refuses, so two senders never mail the same notice; a process that dies between
the claim and the send loses that one e-mail rather than sending it twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail import mailer, outbox
from marketplace.models import CaseStatus, ModerationCase, Notice
from marketplace.moderation import targets

logger = logging.getLogger(__name__)

OUTBOX = "moderation-mail"
RETRY_FOR = timedelta(days=2)
ACKNOWLEDGED = _l("We received your report about “%(title)s”")
DECIDED = _l("Our decision on your report about “%(title)s”")


def mail_after_commit() -> None:
    outbox.send_after_commit(OUTBOX, "NOTIFICATIONS_DELIVERY", deliver_pending)


def _send(notice: Notice, template: str, subject: Any, **context: Any) -> None:
    recipient = mailer.recipient_at(
        notice.reporter_email, notice.reporter_locale, notice.reporter_name
    )
    details = {"title": targets.title_of(notice.target_type, notice.target_id)}
    mailer.send_rendered(recipient, template, subject, notice=notice, details=details, **context)


def _acknowledge(notice: Notice) -> None:
    _send(notice, "notice_received", ACKNOWLEDGED)


def _tell_decision(notice: Notice) -> None:
    decision = notice.case.decisions[-1] if notice.case.decisions else None
    _send(notice, "notice_decided", DECIDED, decision=decision)


def _deliver(notice_id: int, column: Any, send: Callable[[Notice], None]) -> bool:
    claimed = db.session.execute(
        sa.update(Notice)
        .where(Notice.id == notice_id, column.is_(None))
        .values({column: utcnow()})
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    notice = db.session.get(Notice, notice_id)
    assert notice is not None
    try:
        send(notice)
    except Exception as error:  # a mail server down must not stop the others
        logger.warning("e-mail about notice %s failed: %s", notice_id, error)
        db.session.execute(
            sa.update(Notice)
            .where(Notice.id == notice_id)
            .values({column: None})
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return False
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
