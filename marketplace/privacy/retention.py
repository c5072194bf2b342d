"""Keeping personal data no longer than the privacy notice says (GDPR Art. 5(1)(e)).

- records of ended sign-ins (expired or signed out): RETENTION_SIGN_IN_DAYS (90) days after
  they ended;
- notifications and their e-mails: RETENTION_NOTIFICATION_EMAIL_DAYS (180) days after they
  were made, unless their e-mail is still being tried;
- partner API idempotency records (a batch's stored answer): PARTNERS_IDEMPOTENCY_HOURS (24).

The job runner runs this at most once an hour in each process (`duty`); `flask privacy
retention` runs it at once. Deleting what has expired twice deletes nothing the second time,
so runners may overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail.notifications import MAX_ATTEMPTS
from marketplace.models import Notification, SignIn
from marketplace.partners import idempotency

EVERY = timedelta(hours=1)
LAST_RUN = "privacy_retention_last_run"


@dataclass(frozen=True)
class Removed:
    sign_ins: int
    notifications: int
    idempotency_records: int

    @property
    def total(self) -> int:
        return self.sign_ins + self.notifications + self.idempotency_records


def _days(name: str) -> timedelta:
    return timedelta(days=int(current_app.config[name]))


def _deleted(statement: sa.Delete) -> int:
    return int(db.session.execute(statement).rowcount)  # type: ignore[attr-defined]


def remove_expired(now: datetime | None = None) -> Removed:
    now = now or utcnow()
    ended_before = now - _days("RETENTION_SIGN_IN_DAYS")
    sign_ins = _deleted(
        sa.delete(SignIn).where(
            sa.or_(SignIn.expires_at < ended_before, SignIn.revoked_at < ended_before)
        )
    )
    # A notification whose e-mail is still being tried stays until it is sent or given up.
    still_sending = sa.and_(
        Notification.emailed_at.is_(None), Notification.email_attempts < MAX_ATTEMPTS
    )
    made_before = now - _days("RETENTION_NOTIFICATION_EMAIL_DAYS")
    notifications = _deleted(
        sa.delete(Notification).where(Notification.created_at < made_before, ~still_sending)
    )
    db.session.commit()
    return Removed(sign_ins, notifications, idempotency.prune(now))


def duty() -> int:
    """For the job runner, whose rounds come every half minute: an hourly sweep is plenty,
    and spares the database a scan of the notifications each round."""
    now = utcnow()
    last: datetime | None = current_app.extensions.get(LAST_RUN)
    if last is not None and now - last < EVERY:
        return 0
    removed = remove_expired(now).total
    current_app.extensions[LAST_RUN] = now
    return removed
