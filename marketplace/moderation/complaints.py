"""Complaints against decisions (DSA Art. 20): the affected person contests a decision once,
within six months; a moderator other than the one who decided handles it; a reversal
restores exactly what the decision restricted, as `Decision.restored` recorded it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from marketplace.auth import suspension
from marketplace.core.clock import utcnow
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.mail import notifications
from marketplace.models import (
    Complaint,
    ComplaintStatus,
    Decision,
    Listing,
    ListingStatus,
    ModerationTarget,
    User,
    audit,
)
from marketplace.moderation import statements, targets
from marketplace.moderation.decisions import get_decision, require_moderator

MIN_TEXT = 10
MAX_TEXT = 5000


def _check_text(text: str, field: str) -> None:
    if not MIN_TEXT <= len(text.strip()) <= MAX_TEXT:
        raise ValidationError(_l("Write 10 to 5000 characters."), field=field)


def may_complain(decision: Decision, now: datetime | None = None) -> bool:
    return (
        statements.restricts(decision)
        and decision.affected_user_id is not None
        and decision.complaint is None
        and (now or utcnow()) <= statements.complaint_deadline(decision)
    )


def file_complaint(
    decision_id: int, person: User, text: str, now: datetime | None = None
) -> Complaint:
    """`person` is the one the decision restricts, as the route established (signed in, or
    holding the statement's link)."""
    decision = get_decision(decision_id)
    if person.id != decision.affected_user_id or not statements.restricts(decision):
        raise NotFound(_l("No such decision."))
    if decision.complaint is not None:
        raise Conflict(_l("This decision has already been contested; each can be once."))
    if (now or utcnow()) > statements.complaint_deadline(decision):
        raise Conflict(_l("The six months for contesting this decision have passed."))
    _check_text(text, "text")
    complaint = Complaint(
        decision=decision,
        complainant_user_id=person.id,
        complainant_email=person.email,
        text=text.strip(),
    )
    db.session.add(complaint)
    try:
        db.session.flush()
    except IntegrityError:  # the same complaint sent twice at once
        db.session.rollback()
        raise Conflict(_l("This decision has already been contested; each can be once.")) from None
    audit.record(person, "complaint.received", "complaint", complaint.id, decision=decision.id)
    db.session.commit()
    return complaint


def _restore_suspension(decision: Decision, actor: User) -> None:
    person = decision.affected_user
    if person is None:
        return
    before = decision.restored
    if not before.get("user_suspended_indefinitely") and before.get("user_suspended_until") is None:
        suspension.reinstate(person, actor, commit=False)
        return
    # Suspended already before this decision: back to that suspension, not to none.
    until = before.get("user_suspended_until")
    person.suspended_until = datetime.fromisoformat(until) if until else None
    person.suspended_indefinitely = bool(before.get("user_suspended_indefinitely"))
    audit.record(actor, "user.suspension_restored", "user", person.id, decision=decision.id)


def restore(decision: Decision, actor: User) -> None:
    """Undo what the decision restricted, exactly as `restored` recorded it."""
    before = decision.restored
    listing = None
    if decision.target_type == ModerationTarget.LISTING:
        listing = db.session.get(Listing, decision.target_id)
    if listing is not None and "listing_restricted_at" in before:
        listing_services.lift_restriction(listing, actor)
    if listing is not None and "listing_status" in before:
        listing_services.bring_back(listing, actor, ListingStatus(before["listing_status"]))
    if "user_suspended_indefinitely" in before:
        _restore_suspension(decision, actor)


def _tell_outcome(complaint: Complaint, decision: Decision) -> None:
    person = complaint.complainant
    if person is None:
        return
    with force_locale(str(person.locale)):
        title = str(targets.title_of(decision.target_type, decision.target_id))
    notifications.notify(
        person,
        "complaint_outcome",
        None,
        title=title,
        decision=decision.id,
        outcome=complaint.status.value,
        explanation=complaint.outcome or "",
        link=notifications.link(
            "moderation.statement",
            decision_id=decision.id,
            token=statements.token_for(decision),
        ),
    )


def handle_complaint(
    complaint_id: int, moderator: User, *, reverse: bool, outcome: str
) -> Complaint:
    """Uphold or reverse the decision. Whoever decided it may not judge their own decision."""
    require_moderator(moderator)
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_l("No such complaint."))
    decision = complaint.decision
    if decision.decided_by_id == moderator.id:
        raise Forbidden(
            _l("Another moderator than the one who decided must handle this complaint.")
        )
    _check_text(outcome, "outcome")
    status = ComplaintStatus.REVERSED if reverse else ComplaintStatus.UPHELD
    now = utcnow()
    try:
        claimed = db.session.execute(
            sa.update(Complaint)
            .where(Complaint.id == complaint.id, Complaint.status == ComplaintStatus.OPEN)
            .values(
                status=status, handled_by_id=moderator.id, handled_at=now, outcome=outcome.strip()
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(_l("This complaint has already been handled."))
        db.session.refresh(complaint)
        if reverse:
            restore(decision, moderator)
            decision.reversed_at = now
            decision.reversed_by_complaint = complaint
        _tell_outcome(complaint, decision)
        audit.record(
            moderator,
            f"complaint.{status.value}",
            "complaint",
            complaint.id,
            decision=decision.id,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return complaint


def get_complaint(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_l("No such complaint."))
    return complaint


def open_complaints() -> list[Complaint]:
    return list(
        db.session.scalars(
            sa.select(Complaint)
            .where(Complaint.status == ComplaintStatus.OPEN)
            .order_by(Complaint.created_at, Complaint.id)
        )
    )


def handled_complaints(limit: int = 50) -> list[Complaint]:
    return list(
        db.session.scalars(
            sa.select(Complaint)
            .where(Complaint.status != ComplaintStatus.OPEN)
            .order_by(Complaint.handled_at.desc(), Complaint.id.desc())
            .limit(limit)
        )
    )
