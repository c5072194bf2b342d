"""E-mail to reporters, who need no account: sent after commit, retried after a mail outage,
and sent once however many senders run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail import mailer
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
