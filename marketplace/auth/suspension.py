"""Suspending an account, and lifting the suspension.

A suspension is read by time (`User.is_suspended`): sign-in, the session loader and the
partner API refuse the person while it lasts, and search leaves their listings out
(`search.documents.searchable`). What else a suspension changes belongs to other features,
which this package must not import (they import it): they subscribe to `suspended` and
`reinstated`, sent inside the transaction, so that their writes commit or roll back with it.
Reservations cancel the person's open ones; search re-indexes their listings.

A suspension for a period ends by itself at `suspended_until`; the `end_due` duty of
`flask jobs run` then clears it and sends `reinstated`, so that the listings come back to
search within a round of the jobs (sign-in works again at the very moment, being by time).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from blinker import Namespace
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.errors import Forbidden, ValidationError
from marketplace.extensions import db
from marketplace.models import Role, SignIn, User, audit

if TYPE_CHECKING:
    from marketplace.models import Decision

_signals = Namespace()
# sender: the user; keywords: actor (User | None). A receiver may return the ids of the
# reservations it cancelled; they are written into the audit event.
suspended = _signals.signal("account-suspended")
# sender: the user; keywords: actor (User | None; None when a period ended by itself).
reinstated = _signals.signal("account-reinstated")


def is_suspended(user: User, now: datetime | None = None) -> bool:
    return user.is_suspended(now)


def usable_admins(now: datetime | None = None) -> sa.Select[int]:
    """Ids of the administrators who can act now: signed-in-able and not suspended."""
    return sa.select(User.id).where(
        User.role == Role.ADMIN,
        User.active.is_(True),
        User.deleted_at.is_(None),
        User.suspended_indefinitely.is_(False),
        sa.or_(User.suspended_until.is_(None), User.suspended_until <= (now or utcnow())),
    )


def check_may_suspend(user: User, actor: User | None) -> None:
    """Nobody suspends themselves, and only an administrator suspends a moderator or an
    administrator: the console must keep someone who can lift a suspension."""
    if actor is not None and actor.id == user.id:
        raise Forbidden(_l("You cannot suspend your own account."))
    if user.is_moderator and (actor is None or not actor.is_admin):
        raise Forbidden(_l("Only an administrator can suspend a moderator or an administrator."))


def revoke_sign_ins(user: User, now: datetime | None = None) -> int:
    """End every session and remember cookie of the user at once: the loader checks the
    sign-in row on every request. Returns how many were live."""
    now = now or utcnow()
    ended = db.session.execute(
        sa.update(SignIn)
        .where(SignIn.user_id == user.id, SignIn.revoked_at.is_(None), SignIn.expires_at > now)
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(ended.rowcount)  # type: ignore[attr-defined]


def _cancelled_by_receivers(results: list[tuple[Any, Any]]) -> list[int]:
    return sorted(reservation_id for _, ids in results if ids for reservation_id in ids)


def suspend(
    user: User,
    actor: User | None,
    *,
    until: datetime | None,
    decision: Decision | None = None,
    commit: bool = True,
) -> None:
    """Suspend until `until`, or indefinitely when it is None. Ends every sign-in at once;
    the subscribers cancel the person's open reservations and take their listings out of
    search. Suspending someone already suspended replaces the period. `commit=False` lets a
    moderation decision commit once, with its statement of reasons."""
    now = utcnow()
    check_may_suspend(user, actor)
    if until is not None and until <= now:
        raise ValidationError(_l("Choose an end of the suspension in the future."), field="until")
    user.suspended_until = until
    user.suspended_indefinitely = until is None
    if decision is not None:
        user.suspension_decision = decision
    sign_ins = revoke_sign_ins(user, now)
    db.session.flush()
    cancelled = _cancelled_by_receivers(suspended.send(user, actor=actor))
    audit.record(
        actor,
        "user.suspended",
        "user",
        user.id,
        until=until.isoformat() if until is not None else None,
        decision=decision.id if decision is not None else None,
        sign_ins_ended=sign_ins,
        reservations_cancelled=cancelled,
    )
    if commit:
        db.session.commit()


def _lift(user: User) -> None:
    user.suspended_until = None
    user.suspended_indefinitely = False
    user.suspension_decision = None


def reinstate(user: User, actor: User | None, *, commit: bool = True) -> None:
    """Restore sign-in and the listings' searchability. Cancelled reservations stay
    cancelled: their other parties have been told and may have made other plans."""
    if not (user.suspended_indefinitely or user.suspended_until is not None):
        return
    was_until = user.suspended_until
    _lift(user)
    db.session.flush()
    reinstated.send(user, actor=actor)
    audit.record(
        actor,
        "user.reinstated",
        "user",
        user.id,
        was_until=was_until.isoformat() if was_until is not None else None,
    )
    if commit:
        db.session.commit()


def end_due(now: datetime | None = None) -> int:
    """Clear the suspensions whose period has ended, so that their listings are re-indexed.
    Each is claimed by a compare-and-set, so runners at once never end one twice."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(User.id).where(User.suspended_until <= now).order_by(User.suspended_until)
    ).all()
    db.session.commit()
    ended = 0
    for user_id in due:
        claimed = db.session.execute(
            sa.update(User)
            .where(User.id == user_id, User.suspended_until <= now)
            .values(suspended_until=None, suspension_decision_id=None)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.refresh(user)
        reinstated.send(user, actor=None)
        audit.record(None, "user.suspension_ended", "user", user.id)
        db.session.commit()
        ended += 1
    return ended
