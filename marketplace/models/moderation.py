"""Notice and action under the Digital Services Act: notices about an item (Art. 16) group
into one open case per item; a decision is the statement of reasons (Art. 17), whether it
came from a case or from a moderator's own initiative; a complaint contests a decision once
(Art. 20). Rows are kept: the transparency report (Art. 15) counts them by year."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.clock import utcnow
from marketplace.database import created_at, intpk
from marketplace.models.base import Model
from marketplace.models.user import Language

if TYPE_CHECKING:
    from marketplace.models.user import User


class ModerationTarget(StrEnum):
    """What a notice or a decision is about; its id is in the row's `target_id`."""

    LISTING = "listing"
    ORGANISATION = "organisation"
    MESSAGE = "message"
    USER = "user"


class CaseStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class NoticeReason(StrEnum):
    ILLEGAL_GOODS = "illegal_goods"
    HAZARDOUS_UNDECLARED = "hazardous_undeclared"
    STOLEN_GOODS = "stolen_goods"
    FRAUD_OR_SCAM = "fraud_or_scam"
    PERSONAL_DATA = "personal_data"
    HATE_OR_HARASSMENT = "hate_or_harassment"
    SPAM = "spam"
    INTELLECTUAL_PROPERTY = "intellectual_property"
    OTHER_TERMS = "other_terms"


class DecisionAction(StrEnum):
    NO_ACTION = "no_action"
    RESTRICT_VISIBILITY = "restrict_visibility"
    REMOVE_LISTING = "remove_listing"
    SUSPEND_TEMPORARILY = "suspend_temporarily"
    SUSPEND_INDEFINITELY = "suspend_indefinitely"


class GroundKind(StrEnum):
    LAW = "law"
    TERMS = "terms"


class ComplaintStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the decision stands
    REVERSED = "reversed"  # the decision was undone, and what it restricted restored


class ModerationCase(Model):
    """The notices about one item, until a decision closes them; a later notice about the
    same item opens a new case."""

    __tablename__ = "moderation_cases"
    __table_args__ = (
        sa.Index(
            "uq_moderation_cases_open_target",
            "target_type",
            "target_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
        # The queue: open cases, oldest first.
        sa.Index("ix_moderation_cases_status_opened_at", "status", "opened_at"),
        sa.CheckConstraint("notice_count >= 0", name="notice_count"),
        sa.CheckConstraint("status = 'open' OR decided_at IS NOT NULL", name="decided_at"),
    )

    id: Mapped[intpk]
    target_type: Mapped[ModerationTarget]
    target_id: Mapped[int]
    status: Mapped[CaseStatus] = mapped_column(default=CaseStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    # Kept in step with the notices by the service that adds them, so the queue can sort by
    # "most reported" without counting.
    notice_count: Mapped[int] = mapped_column(default=0)
    last_notice_at: Mapped[datetime | None]

    notices: Mapped[list[Notice]] = relationship(back_populates="case", order_by="Notice.id")
    decisions: Mapped[list[Decision]] = relationship(back_populates="case", order_by="Decision.id")

    def __repr__(self) -> str:
        return f"<ModerationCase {self.id} {self.target_type} {self.target_id} {self.status}>"


class Notice(Model):
    """One report of an item as illegal or against the terms, with what Art. 16 asks."""

    __tablename__ = "notices"
    __table_args__ = (
        sa.CheckConstraint("good_faith", name="good_faith"),
        # Flood control: notices from one address within a period.
        sa.Index("ix_notices_source_ip_digest_created_at", "source_ip_digest", "created_at"),
        # The transparency report counts notices by year.
        sa.Index("ix_notices_created_at", "created_at"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("moderation_cases.id"), index=True)
    target_type: Mapped[ModerationTarget]
    target_id: Mapped[int]
    reason: Mapped[NoticeReason]
    explanation: Mapped[str] = mapped_column(sa.Text)
    # The address (or place) of what was reported, filled in by the form.
    location: Mapped[str] = mapped_column(sa.String(2000), default="")
    reporter_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reporter_name: Mapped[str] = mapped_column(sa.String(120), default="")
    reporter_email: Mapped[str] = mapped_column(sa.String(254))
    reporter_locale: Mapped[Language] = mapped_column(default=Language.FI)
    good_faith: Mapped[bool]
    created_at: Mapped[created_at]
    # The notice is also the outbox of its reporter's e-mails: these say what has been sent,
    # and a sender holds the notice until `mail_claimed_until` while it sends one.
    acknowledged_at: Mapped[datetime | None]
    decision_sent_at: Mapped[datetime | None]
    mail_claimed_until: Mapped[datetime | None]
    # sha256 of the address with the secret key: for flood control and nothing else.
    source_ip_digest: Mapped[str | None] = mapped_column(sa.String(64))

    case: Mapped[ModerationCase] = relationship(back_populates="notices")
    reporter: Mapped[User | None] = relationship()


class Decision(Model):
    """A statement of reasons (Art. 17): what was restricted, on what ground, on which facts,
    and exactly what the restriction changed, so that a reversal restores just that."""

    __tablename__ = "moderation_decisions"
    __table_args__ = (
        sa.CheckConstraint("automated OR decided_by_id IS NOT NULL", name="decided_by"),
        sa.CheckConstraint(
            "(action = 'suspend_temporarily') = (suspended_until IS NOT NULL)",
            name="suspended_until",
        ),
        # An item's history, and the transparency report by year.
        sa.Index("ix_moderation_decisions_target", "target_type", "target_id"),
        sa.Index("ix_moderation_decisions_decided_at", "decided_at"),
    )

    id: Mapped[intpk]
    # None for a decision taken on the moderator's own initiative, without a notice.
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderation_cases.id"), index=True)
    target_type: Mapped[ModerationTarget]
    target_id: Mapped[int]
    # The person the decision restricts; None once their account has been erased.
    affected_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[DecisionAction]
    ground_kind: Mapped[GroundKind]
    # The provision of law, or the clause of the terms of use.
    ground: Mapped[str] = mapped_column(sa.Text)
    facts: Mapped[str] = mapped_column(sa.Text)
    automated: Mapped[bool] = mapped_column(default=False)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    suspended_until: Mapped[datetime | None]
    statement_sent_at: Mapped[datetime | None]
    reversed_at: Mapped[datetime | None]
    reversed_by_complaint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("complaints.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    # What the restriction changed, as it was before: {"listing_status": "active"},
    # {"user_active": true}, {"listing_restricted_at": null}.
    restored: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[ModerationCase | None] = relationship(back_populates="decisions")
    affected_user: Mapped[User | None] = relationship(foreign_keys=[affected_user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    complaint: Mapped[Complaint | None] = relationship(
        back_populates="decision", foreign_keys="Complaint.decision_id"
    )
    # Written after both rows exist: the complaint names this decision too.
    reversed_by_complaint: Mapped[Complaint | None] = relationship(
        foreign_keys=[reversed_by_complaint_id], post_update=True
    )

    def __repr__(self) -> str:
        return f"<Decision {self.id} {self.action} {self.target_type} {self.target_id}>"


class Complaint(Model):
    """The affected person contests a decision (Art. 20), once. Another moderator than the
    one who decided handles it (the service enforces that)."""

    __tablename__ = "complaints"
    __table_args__ = (
        sa.CheckConstraint("status = 'open' OR handled_at IS NOT NULL", name="handled_at"),
        sa.Index("ix_complaints_status_created_at", "status", "created_at"),
    )

    id: Mapped[intpk]
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("moderation_decisions.id"), unique=True)
    complainant_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    complainant_email: Mapped[str] = mapped_column(sa.String(254))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[created_at]
    status: Mapped[ComplaintStatus] = mapped_column(default=ComplaintStatus.OPEN)
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    handled_at: Mapped[datetime | None]

    decision: Mapped[Decision] = relationship(
        back_populates="complaint", foreign_keys=[decision_id]
    )
    complainant: Mapped[User | None] = relationship(foreign_keys=[complainant_user_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])
