"""The retention job removes what the privacy notice keeps no longer, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.mail.notifications import MAX_ATTEMPTS
from marketplace.models import (
    IdempotencyRecord,
    IdempotencyState,
    Notification,
    PartnerKey,
    SignIn,
    User,
)
from marketplace.ops import jobs
from marketplace.privacy import retention
from tests.partners.fixtures import PartnerHandle

DAY = timedelta(days=1)


def count(model: Any) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def sign_in(user: User, ended_days_ago: float, *, revoked: bool) -> int:
    now = utcnow()
    ended = now - ended_days_ago * DAY
    row = SignIn(
        user=user,
        token_digest=f"{user.id}-{ended_days_ago}-{revoked}".ljust(64, "0"),
        expires_at=now + DAY if revoked else ended,
        revoked_at=ended if revoked else None,
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def notification(user: User, days_old: float, *, sent: bool = True, attempts: int = 1) -> int:
    notifications.notify(user, "saved_search_alert", None, title="Tiilet", email=False)
    db.session.commit()
    row = db.session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()
    assert row is not None
    row.created_at = utcnow() - days_old * DAY
    row.emailed_at = row.created_at if sent else None
    row.email_attempts = attempts
    db.session.commit()
    return row.id


def test_ended_sign_ins_go_after_their_retention(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    old_expired = sign_in(user, 91, revoked=False)
    old_revoked = sign_in(user, 91, revoked=True)
    recent_expired = sign_in(user, 89, revoked=False)
    recent_revoked = sign_in(user, 10, revoked=True)

    removed = retention.remove_expired()

    assert removed.sign_ins == 2
    kept = set(db.session.scalars(sa.select(SignIn.id)))
    assert {old_expired, old_revoked}.isdisjoint(kept)
    assert {recent_expired, recent_revoked} <= kept


def test_old_notifications_go_unless_their_e_mail_is_still_being_tried(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    old = notification(user, 181)
    old_given_up = notification(user, 181, sent=False, attempts=MAX_ATTEMPTS)
    old_still_trying = notification(user, 181, sent=False, attempts=2)
    recent = notification(user, 179)

    assert retention.remove_expired().notifications == 2

    kept = set(db.session.scalars(sa.select(Notification.id)))
    assert kept == {old_still_trying, recent}
    assert {old, old_given_up}.isdisjoint(kept)


def test_stale_idempotency_records_go(app: Flask, partner: PartnerHandle) -> None:
    key = db.session.scalar(sa.select(PartnerKey))
    assert key is not None
    for name, hours in (("old", 25), ("fresh", 1)):
        db.session.add(
            IdempotencyRecord(
                key_id=key.id,
                idempotency_key=name,
                request_digest="0" * 64,
                state=IdempotencyState.DONE,
                created_at=utcnow() - timedelta(hours=hours),
            )
        )
    db.session.commit()

    assert retention.remove_expired().idempotency_records == 1
    assert db.session.scalars(sa.select(IdempotencyRecord.idempotency_key)).all() == ["fresh"]


def test_the_settings_decide_the_periods(app: Flask, make_user: Callable[..., User]) -> None:
    app.config.update(RETENTION_SIGN_IN_DAYS=7, RETENTION_NOTIFICATION_EMAIL_DAYS=30)
    user = make_user()
    sign_in(user, 8, revoked=True)
    notification(user, 31)
    removed = retention.remove_expired()
    assert (removed.sign_ins, removed.notifications) == (1, 1)


def test_the_command_and_the_job_runner(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user()
    sign_in(user, 100, revoked=True)
    notification(user, 200)
    result = app.test_cli_runner().invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "removed 1 sign-ins, 1 notifications, 0 idempotency records"
    )
    assert count(SignIn) == 0

    assert "privacy retention" in [duty.name for duty in jobs.duties(app)]
    sign_in(user, 100, revoked=True)
    assert retention.duty() == 1
    # The runner sweeps once an hour: the next rounds leave the work for then.
    sign_in(user, 100, revoked=False)
    assert retention.duty() == 0
    app.extensions[retention.LAST_RUN] -= retention.EVERY
    assert retention.duty() == 1
