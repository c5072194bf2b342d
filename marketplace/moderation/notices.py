"""Notice and action (DSA Art. 16): anyone may report an item as illegal or against the terms.
Notices about one item group into its open case; the reporter is acknowledged by e-mail at
once and told the decision later (`reporter_mail`)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from marketplace.core.clock import utcnow
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import (
    CaseStatus,
    Language,
    ModerationCase,
    ModerationTarget,
    Notice,
    NoticeReason,
    User,
    audit,
)
from marketplace.moderation import reporter_mail, targets

MIN_EXPLANATION = 10
MAX_EXPLANATION = 5000


@dataclass(frozen=True)
class NoticeEntry:
    """What Art. 16(2) asks of a notice: why, where, who, and the good-faith statement."""

    reason: NoticeReason
    explanation: str
    location: str
    name: str
    email: str
    good_faith: bool


def source_digest(address: str | None) -> str | None:
    """The reporting address, keyed with the secret key: enough to tell one address from
    another in the queue's ordering, and useless for anything else."""
    if not address:
        return None
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def _check(entry: NoticeEntry) -> None:
    if not MIN_EXPLANATION <= len(entry.explanation.strip()) <= MAX_EXPLANATION:
        raise ValidationError(
            _l("Explain in 10 to 5000 characters why the content is illegal or against the terms."),
            field="explanation",
        )
    email = entry.email.strip()
    if "@" not in email or len(email) > 254:
        raise ValidationError(_l("Give an e-mail address for our answer."), field="email")
    if not entry.good_faith:
        raise ValidationError(
            _l("Confirm that what you report is accurate and complete to your knowledge."),
            field="good_faith",
        )


def open_case_for(target_type: ModerationTarget, target_id: int) -> ModerationCase | None:
    return db.session.scalar(
        sa.select(ModerationCase).where(
            ModerationCase.target_type == target_type,
            ModerationCase.target_id == target_id,
            ModerationCase.status == CaseStatus.OPEN,
        )
    )


def _case_for(target_type: ModerationTarget, target_id: int) -> ModerationCase:
    """The item's open case, opened now if it has none. Two first notices at once race to
    open it; the unique index lets one win, and the other joins the winner's case."""
    case = open_case_for(target_type, target_id)
    if case is not None:
        return case
    try:
        with db.session.begin_nested():
            case = ModerationCase(target_type=target_type, target_id=target_id)
            db.session.add(case)
    except IntegrityError:
        case = open_case_for(target_type, target_id)
        assert case is not None
    return case


def submit_notice(
    target_type: ModerationTarget,
    target_id: int,
    entry: NoticeEntry,
    *,
    reporter: User | None,
    locale: Language,
    source_address: str | None,
) -> Notice:
    """Record the notice in the item's open case; the acknowledgement leaves after commit."""
    _check(entry)
    target = targets.find_reportable(target_type, target_id, reporter)
    case = _case_for(target.type, target.id)
    now = utcnow()
    notice = Notice(
        case=case,
        target_type=target.type,
        target_id=target.id,
        reason=entry.reason,
        explanation=entry.explanation.strip(),
        location=(entry.location.strip() or target.url)[:2000],
        reporter_user_id=reporter.id if reporter is not None else None,
        reporter_name=entry.name.strip()[:120],
        reporter_email=entry.email.strip().lower(),
        reporter_locale=reporter.locale if reporter is not None else locale,
        good_faith=True,
        created_at=now,
        source_ip_digest=source_digest(source_address),
    )
    db.session.add(notice)
    # Counted in the database, so that notices arriving together all count.
    db.session.execute(
        sa.update(ModerationCase)
        .where(ModerationCase.id == case.id)
        .values(notice_count=ModerationCase.notice_count + 1, last_notice_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    audit.record(
        reporter,
        "notice.received",
        "notice",
        notice.id,
        case=case.id,
        target=f"{target.type.value}:{target.id}",
        reason=entry.reason.value,
    )
    reporter_mail.mail_after_commit()
    db.session.commit()
    db.session.refresh(case)
    return notice
