"""Decisions on reported or spotted content, each with its statement of reasons (DSA Art. 17).

A decision closes the item's open case, if it has one (so a moderator's own initiative from
a listing's page and the queue are one path), makes the restriction, keeps what the
restriction changed in `Decision.restored` (a reversal restores exactly that), sends the
affected person the statement in their language, in the app and by e-mail, and has the
reporters told after the commit. All of it is one unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.auth import suspension
from marketplace.core.clock import utcnow
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.mail import notifications
from marketplace.models import (
    CaseStatus,
    Decision,
    DecisionAction,
    Listing,
    ModerationCase,
    ModerationTarget,
    User,
    audit,
)
from marketplace.moderation import grounds, notices, reporter_mail, statements, targets
from marketplace.moderation.targets import Target

MIN_FACTS = 10
MAX_FACTS = 5000
MAX_SUSPENSION_DAYS = 365
SUSPENSIONS = {DecisionAction.SUSPEND_TEMPORARILY, DecisionAction.SUSPEND_INDEFINITELY}
ACTIONS = {
    ModerationTarget.LISTING: list(DecisionAction),
    ModerationTarget.ORGANISATION: [DecisionAction.NO_ACTION, *SUSPENSIONS],
    ModerationTarget.MESSAGE: [DecisionAction.NO_ACTION, *SUSPENSIONS],
    ModerationTarget.USER: [DecisionAction.NO_ACTION, *SUSPENSIONS],
}


@dataclass(frozen=True)
class DecisionEntry:
    action: DecisionAction
    # A key of `grounds`, and the moderator's own words (needed for "another provision").
    ground: str
    ground_detail: str
    facts: str
    suspend_days: int | None = None


def require_moderator(actor: User) -> None:
    if not actor.is_moderator:
        raise Forbidden(_l("Only moderators can do this."))


def actions_for(target_type: ModerationTarget) -> list[DecisionAction]:
    return list(ACTIONS[target_type])


def _check(entry: DecisionEntry, target: Target) -> None:
    if entry.action not in ACTIONS[target.type]:
        raise ValidationError(_l("This decision does not fit this kind of item."), field="action")
    if entry.ground not in grounds.BY_KEY and entry.ground not in grounds.OTHERS:
        raise ValidationError(_l("Choose the ground of the decision."), field="ground")
    if entry.ground in grounds.OTHERS and len(entry.ground_detail.strip()) < 3:
        raise ValidationError(
            _l("Name the provision of law or the clause of the terms."), field="ground_detail"
        )
    if not MIN_FACTS <= len(entry.facts.strip()) <= MAX_FACTS:
        raise ValidationError(
            _l("State the facts the decision rests on, in 10 to 5000 characters."), field="facts"
        )
    days = entry.suspend_days
    temporary = entry.action == DecisionAction.SUSPEND_TEMPORARILY
    if temporary and (days is None or not 1 <= days <= MAX_SUSPENSION_DAYS):
        raise ValidationError(
            _l("Suspend for 1 to 365 days, or indefinitely."), field="suspend_days"
        )
    if entry.action != DecisionAction.NO_ACTION and target.affected is None:
        raise Conflict(_l("Nobody answers for this item any more, so there is no one to restrict."))


def _close_case(case: ModerationCase, now: datetime) -> None:
    """Compare-and-set: of two moderators deciding one case at once, one decides."""
    closed = db.session.execute(
        sa.update(ModerationCase)
        .where(ModerationCase.id == case.id, ModerationCase.status == CaseStatus.OPEN)
        .values(status=CaseStatus.DECIDED, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This case has already been decided."))


def _suspended_state(user: User) -> dict[str, Any]:
    until = user.suspended_until
    return {
        "user_suspended_until": until.isoformat() if until is not None else None,
        "user_suspended_indefinitely": user.suspended_indefinitely,
    }


def _apply(decision: Decision, target: Target, moderator: User) -> dict[str, Any]:
    """Make the restriction; return what it changed, as it was before."""
    action = decision.action
    listing = target.listing
    if action == DecisionAction.RESTRICT_VISIBILITY and listing is not None:
        listing_services.restrict(listing, moderator, decision.id)
        return {"listing_restricted_at": None}
    if action == DecisionAction.REMOVE_LISTING and listing is not None:
        before = listing_services.take_down(listing, moderator, decision.id, decision.facts)
        return {"listing_status": before}
    if action in SUSPENSIONS and target.affected is not None:
        before_state = _suspended_state(target.affected)
        suspension.suspend(
            target.affected,
            moderator,
            until=decision.suspended_until,
            decision=decision,
            commit=False,
        )
        return before_state
    return {}


def _send_statement(decision: Decision, target: Target, person: User) -> None:
    """The statement of reasons, in the app and by e-mail, in the person's language. The link
    carries a token: a suspended person cannot sign in, yet must be able to complain."""
    with force_locale(str(person.locale)):
        title = str(target.title)
    until = decision.suspended_until
    notifications.notify(
        person,
        "moderation_decision",
        None,
        title=title,
        decision=decision.id,
        action=decision.action.value,
        ground_kind=decision.ground_kind.value,
        ground=decision.ground,
        facts=decision.facts,
        automated=decision.automated,
        until=until.isoformat() if until is not None else None,
        complain_by=statements.complaint_deadline(decision).isoformat(),
        link=notifications.link(
            "moderation.statement",
            decision_id=decision.id,
            token=statements.token_for(decision),
        ),
    )
    decision.statement_sent_at = utcnow()


def _decide(
    target_type: ModerationTarget,
    target_id: int,
    moderator: User,
    entry: DecisionEntry,
    case: ModerationCase | None,
) -> Decision:
    target = targets.find(target_type, target_id)
    _check(entry, target)
    try:
        return _record(target, moderator, entry, case)
    except BaseException:
        # A refusal half-way (suspending a moderator, a listing changed meanwhile) must not
        # leave the closed case or the flushed decision in the session.
        db.session.rollback()
        raise


def _record(
    target: Target, moderator: User, entry: DecisionEntry, case: ModerationCase | None
) -> Decision:
    now = utcnow()
    if case is not None:
        _close_case(case, now)
    restricting = entry.action != DecisionAction.NO_ACTION
    affected = target.affected if restricting else None
    temporary = entry.action == DecisionAction.SUSPEND_TEMPORARILY
    locale = str(affected.locale) if affected is not None else "fi"
    decision = Decision(
        case_id=case.id if case is not None else None,
        target_type=target.type,
        target_id=target.id,
        affected_user=affected,
        action=entry.action,
        ground_kind=grounds.kind_of(entry.ground),
        ground=grounds.written(entry.ground, entry.ground_detail, locale),
        facts=entry.facts.strip(),
        automated=False,
        decided_by=moderator,
        decided_at=now,
        suspended_until=now + timedelta(days=entry.suspend_days or 0) if temporary else None,
    )
    db.session.add(decision)
    db.session.flush()
    decision.restored = _apply(decision, target, moderator)
    if affected is not None:
        _send_statement(decision, target, affected)
    audit.record(
        moderator,
        "decision.made",
        "decision",
        decision.id,
        decided=entry.action.value,
        target=f"{target.type.value}:{target.id}",
        case=case.id if case is not None else None,
    )
    if case is not None:
        reporter_mail.mail_after_commit()
    db.session.commit()
    return decision


def decide_on_item(
    target_type: ModerationTarget, target_id: int, moderator: User, entry: DecisionEntry
) -> Decision:
    """Decide on an item: the notices of its open case, if it has one, are answered by the
    decision, and a moderator's own initiative (a listing's page, a listing held for review)
    takes the same path."""
    require_moderator(moderator)
    return _decide(
        target_type, target_id, moderator, entry, notices.open_case_for(target_type, target_id)
    )


def approve_listing(listing_id: int, moderator: User) -> Listing:
    """A listing held for review goes public, and its lister is told."""
    require_moderator(moderator)
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(_l("No such listing."))
    listing_services.release_from_review(listing, moderator)
    notifications.notify(
        listing.owner,
        "listing_approved",
        None,
        title=listing.title,
        link=notifications.link("listings.detail", listing_id=listing.id),
    )
    db.session.commit()
    return listing


def in_force(target_type: ModerationTarget, target_id: int) -> Decision | None:
    """The latest decision restricting the item that has not been reversed."""
    return db.session.scalar(
        sa.select(Decision)
        .where(
            Decision.target_type == target_type,
            Decision.target_id == target_id,
            Decision.action != DecisionAction.NO_ACTION,
            Decision.reversed_at.is_(None),
        )
        .order_by(Decision.id.desc())
        .limit(1)
    )


def get_decision(decision_id: int) -> Decision:
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(_l("No such decision."))
    return decision
