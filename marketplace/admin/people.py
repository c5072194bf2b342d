"""People in the console: finding them, what the console knows of one, and what moderators
and admins may do to an account.

Each action checks the actor's role, makes the change, audits it and commits once. A
suspension from here is a moderation decision like one from the queue (`moderation.decisions`):
it has a ground and facts, and the person gets the statement of reasons and a way to complain.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from marketplace.admin.services import require_admin, require_moderator
from marketplace.auth import suspension
from marketplace.core.clock import utcnow
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import (
    HOLDING,
    Decision,
    DecisionAction,
    Listing,
    ListingStatus,
    Membership,
    ModerationTarget,
    Reservation,
    Role,
    SignIn,
    User,
    audit,
)
from marketplace.moderation import decisions

PER_PAGE = 25
SIGN_INS_SHOWN = 20
# LIKE's own wildcards in what an admin types match themselves.
LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class Person:
    """What the console shows of one account."""

    user: User
    sign_ins: list[SignIn]
    live_sign_ins: int
    memberships: list[Membership]
    listings: dict[ListingStatus, int]
    open_reservations: list[Reservation]
    decisions: list[Decision]

    @property
    def listing_count(self) -> int:
        return sum(self.listings.values())


def contains_pattern(text: str) -> str:
    """A LIKE pattern for text containing `text`, whose own % and _ match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_people(text: str = "", page: int = 1) -> Pagination:
    """People whose e-mail address or name contains `text`, by e-mail address."""
    query = sa.select(User).order_by(User.email, User.id)
    text = text.strip()
    if text:
        pattern = contains_pattern(text.lower())
        query = query.where(
            sa.or_(
                User.email.like(pattern, escape=LIKE_ESCAPE),
                sa.func.lower(User.display_name).like(pattern, escape=LIKE_ESCAPE),
            )
        )
    return db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def get_person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such person."))
    return user


def _listing_counts(user: User) -> dict[ListingStatus, int]:
    rows = db.session.execute(
        sa.select(Listing.status, sa.func.count())
        .where(Listing.owner_id == user.id)
        .group_by(Listing.status)
    )
    return {status: int(count) for status, count in rows}


def _open_reservations(user: User) -> list[Reservation]:
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .join(Listing, Reservation.listing_id == Listing.id)
            .options(joinedload(Reservation.listing), joinedload(Reservation.requester))
            .where(
                Reservation.status.in_(HOLDING),
                sa.or_(Reservation.requester_id == user.id, Listing.owner_id == user.id),
            )
            .order_by(Reservation.id.desc())
        )
    )


def person(user_id: int) -> Person:
    user = get_person(user_id)
    now = utcnow()
    sign_ins = db.session.scalars(
        sa.select(SignIn)
        .where(SignIn.user_id == user.id)
        .order_by(SignIn.created_at.desc(), SignIn.id.desc())
        .limit(SIGN_INS_SHOWN)
    )
    live = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SignIn)
        .where(SignIn.user_id == user.id, SignIn.revoked_at.is_(None), SignIn.expires_at > now)
    )
    memberships = db.session.scalars(
        sa.select(Membership)
        .options(joinedload(Membership.organisation))
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    )
    about = db.session.scalars(
        sa.select(Decision)
        .where(Decision.affected_user_id == user.id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    )
    return Person(
        user=user,
        sign_ins=list(sign_ins),
        live_sign_ins=int(live or 0),
        memberships=list(memberships),
        listings=_listing_counts(user),
        open_reservations=_open_reservations(user),
        decisions=list(about),
    )


def require_power_over(actor: User, user: User) -> None:
    """Moderators act on residents' accounts; only admins on moderators' and admins'."""
    require_moderator(actor)
    if user.is_moderator and not actor.is_admin:
        raise Forbidden(_l("Only an administrator can do this to a moderator or an administrator."))


def change_role(actor: User, user: User, role: Role) -> User:
    require_admin(actor)
    if user.role == role:
        return user
    if user.role == Role.ADMIN:
        others = suspension.usable_admins().where(User.id != user.id).subquery()
        remaining = db.session.scalar(sa.select(sa.func.count()).select_from(others))
        if not remaining:
            raise Conflict(
                _l("This is the last administrator; make someone else an administrator first."),
                field="role",
            )
    before = user.role
    user.role = role
    audit.record(actor, "user.role_changed", "user", user.id, before=str(before), after=str(role))
    db.session.commit()
    return user


@dataclass(frozen=True)
class Suspension:
    """A suspension from the console: days=None suspends indefinitely."""

    days: int | None
    ground: str
    ground_detail: str
    facts: str


def suspend(actor: User, user: User, entry: Suspension) -> Decision:
    """A moderation decision about the account: the suspension, its statement of reasons to
    the person, the audit events and one commit are `moderation.decisions`' own."""
    require_power_over(actor, user)
    suspension.check_may_suspend(user, actor)
    action = (
        DecisionAction.SUSPEND_INDEFINITELY
        if entry.days is None
        else DecisionAction.SUSPEND_TEMPORARILY
    )
    return decisions.decide_on_item(
        ModerationTarget.USER,
        user.id,
        actor,
        decisions.DecisionEntry(
            action=action,
            ground=entry.ground,
            ground_detail=entry.ground_detail,
            facts=entry.facts,
            suspend_days=entry.days,
        ),
    )


def reinstate(actor: User, user: User) -> None:
    """Lift the suspension now. A suspension contested through a complaint is lifted by its
    reversal instead; this is for an end agreed outside the complaint route."""
    require_power_over(actor, user)
    if not user.is_suspended():
        raise Conflict(_l("This account is not suspended."))
    suspension.reinstate(user, actor)


def sign_out_everywhere(actor: User, user: User) -> int:
    """End every session and remember cookie of the person (a stolen password, a lost
    phone); returns how many there were."""
    require_power_over(actor, user)
    ended = suspension.revoke_sign_ins(user)
    audit.record(actor, "user.signed_out_everywhere", "user", user.id, sign_ins_ended=ended)
    db.session.commit()
    return ended
