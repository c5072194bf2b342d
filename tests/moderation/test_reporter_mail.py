"""E-mail to reporters, who need no account: sent after commit, retried after a mail outage,
and sent once however many senders run."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail import leases, mailer
from marketplace.models import DecisionAction, Language, Listing, Notice, User
from marketplace.moderation import reporter_mail
from tests.moderation.conftest import Mail, decide, report


def test_a_mail_outage_is_retried_by_the_job(
    app: Flask, bricks: Listing, moderator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_: Any, **__: Any) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr(mailer, "send", down)
    notice = report(bricks, locale=Language.EN)
    decide(bricks, moderator, DecisionAction.NO_ACTION)
    db.session.refresh(notice)
    assert notice.acknowledged_at is None and notice.decision_sent_at is None

    sent: list[Mail] = []
    monkeypatch.setattr(
        mailer, "send", lambda to, subject, body, headers=None: sent.append(Mail(to, subject, body))
    )
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert [mail.subject.startswith("We received") for mail in sent] == [True, False]
    assert reporter_mail.deliver_pending() == 0
    db.session.refresh(notice)
    assert notice.acknowledged_at is not None and notice.decision_sent_at is not None


def test_nothing_is_sent_for_a_rolled_back_notice(
    app: Flask, bricks: Listing, mailbox: list[Mail]
) -> None:
    reporter_mail.mail_after_commit()
    db.session.add(
        Notice(
            case_id=1,
            target_type="listing",
            target_id=bricks.id,
            reason="spam",
            explanation="x" * 20,
            reporter_email="gone@example.fi",
            good_faith=True,
        )
    )
    db.session.rollback()
    db.session.commit()
    assert mailbox == []


def test_old_notices_are_not_retried_for_ever(
    app: Flask, bricks: Listing, mailbox: list[Mail], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailer, "send", lambda *_, **__: (_ for _ in ()).throw(OSError("down")))
    notice = report(bricks)
    db.session.execute(
        sa.update(Notice).values(created_at=utcnow() - reporter_mail.RETRY_FOR - timedelta(1))
    )
    db.session.commit()
    assert reporter_mail.deliver_pending() == 0
    db.session.refresh(notice)
    assert notice.acknowledged_at is None


def test_each_e_mail_names_its_notice_and_kind_in_its_message_id(
    app: Flask, bricks: Listing, moderator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids: list[str] = []
    monkeypatch.setattr(
        mailer,
        "send",
        lambda to, subject, body, headers=None: ids.append((headers or {})["Message-ID"]),
    )
    first = report(bricks)
    second = report(bricks, address="192.0.2.2", email="toinen@example.fi")
    decide(bricks, moderator, DecisionAction.NO_ACTION)
    assert sorted(ids) == sorted(
        f"<notice-{notice.id}-{kind}@127.0.0.1>"
        for notice in (first, second)
        for kind in ("received", "decision")
    )


def test_a_notice_claimed_by_a_sender_that_died_is_mailed_after_its_lease(
    app: Flask, bricks: Listing, mailbox: list[Mail]
) -> None:
    """A sender marks nothing sent before the mail server has accepted: one that died
    holding the notice lets it go when its lease runs out, and the next sends the e-mail."""
    app.config.update(NOTIFICATIONS_DELIVERY="job", OUTBOX_LEASE_SECONDS=0.5)
    notice = report(bricks)
    lease = leases.take(reporter_mail.LEASES, notice.id, utcnow(), Notice.acknowledged_at.is_(None))
    assert lease is not None
    lease.end()  # its process died before sending
    assert reporter_mail.deliver_pending() == 0 and mailbox == []
    time.sleep(0.6)
    assert reporter_mail.deliver_pending() == 1
    assert reporter_mail.deliver_pending() == 0
    assert [mail.to for mail in mailbox] == ["raili@example.fi"]
    db.session.refresh(notice)
    assert notice.acknowledged_at is not None and notice.mail_claimed_until is None
