"""What the moderation queue shows: open cases by item, the most reported and the oldest
first, and each item's history. "Most reported" counts addresses, not notices: one address
counts once per case, so a flood from one place cannot lift its case above the others, nor
bury them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    CaseStatus,
    Decision,
    Listing,
    ListingStatus,
    ModerationCase,
    ModerationTarget,
    Notice,
)
from marketplace.moderation import targets
from marketplace.moderation.targets import Target

SHOWN = 100
# The audit trail names objects by these types.
AUDITED_AS = {
    ModerationTarget.LISTING: "listing",
    ModerationTarget.ORGANISATION: "organisation",
    ModerationTarget.USER: "user",
}


@dataclass(frozen=True)
class QueueItem:
    case: ModerationCase
    # Distinct addresses (or, for notices without one, e-mail addresses) that reported it.
    sources: int
    # None when the item is gone, e.g. an erased account.
    target: Target | None


@dataclass(frozen=True)
class History:
    notices: list[Notice]
    decisions: list[Decision]
    events: list[AuditEvent]


def _sources() -> sa.Subquery:
    source = sa.func.coalesce(Notice.source_ip_digest, Notice.reporter_email)
    return (
        sa.select(Notice.case_id, sa.func.count(sa.distinct(source)).label("sources"))
        .group_by(Notice.case_id)
        .subquery()
    )


def _target_or_none(case: ModerationCase) -> Target | None:
    try:
        return targets.find(case.target_type, case.target_id)
    except NotFound:
        return None


def open_cases(limit: int = SHOWN) -> list[QueueItem]:
    sources = _sources()
    rows = db.session.execute(
        sa.select(ModerationCase, sa.func.coalesce(sources.c.sources, 0))
        .outerjoin(sources, sources.c.case_id == ModerationCase.id)
        .where(ModerationCase.status == CaseStatus.OPEN)
        .order_by(
            sa.func.coalesce(sources.c.sources, 0).desc(),
            ModerationCase.opened_at,
            ModerationCase.id,
        )
        .limit(limit)
    ).all()
    return [QueueItem(case, int(count), _target_or_none(case)) for case, count in rows]


def held_listings(limit: int = SHOWN) -> list[Listing]:
    """Listings waiting for a moderator before they first go public, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Listing)
            .where(Listing.status == ListingStatus.PENDING_REVIEW)
            .order_by(Listing.updated_at, Listing.id)
            .limit(limit)
        )
    )


def get_case(case_id: int) -> ModerationCase:
    case = db.session.get(ModerationCase, case_id)
    if case is None:
        raise NotFound(_l("No such case."))
    return case


def source_count(case: ModerationCase) -> int:
    sources = _sources()
    found = db.session.scalar(sa.select(sources.c.sources).where(sources.c.case_id == case.id))
    return int(found or 0)


def history(target_type: ModerationTarget, target_id: int) -> History:
    """Everything about the item: every notice (of this case and earlier ones), every
    decision, and the audit trail of the item and of those decisions."""
    notices = db.session.scalars(
        sa.select(Notice)
        .where(Notice.target_type == target_type, Notice.target_id == target_id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
    )
    decisions = list(
        db.session.scalars(
            sa.select(Decision)
            .where(Decision.target_type == target_type, Decision.target_id == target_id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
        )
    )
    about = [
        sa.and_(AuditEvent.object_type == "decision", AuditEvent.object_id == decision.id)
        for decision in decisions
    ]
    if target_type in AUDITED_AS:
        about.append(
            sa.and_(
                AuditEvent.object_type == AUDITED_AS[target_type],
                AuditEvent.object_id == target_id,
            )
        )
    events: list[AuditEvent] = list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(sa.or_(*about))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(SHOWN)
        )
        if about
        else []
    )
    return History(list(notices), decisions, events)
