"""Who did what, and the one way it is written down: services call `record` inside their unit
of work, so the event commits, or rolls back, with the change it describes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.clock import utcnow
from marketplace.database import created_at, intpk
from marketplace.extensions import db
from marketplace.models.base import Model

if TYPE_CHECKING:
    from marketplace.models.user import User


class AuditEvent(Model):
    """Who did what to which object, and when. Rows are only ever added."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[intpk]
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]

    actor: Mapped[User | None] = relationship()


# Prepared once: building the statement anew on every call cost more than running it.
INSERT_EVENT = sa.insert(cast(sa.Table, AuditEvent.__table__))


def entry(
    actor: User | None, action: str, object_type: str, object_id: int | None, **details: Any
) -> dict[str, Any]:
    """The event's row, for a caller that writes it together with other rows."""
    return {
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
        "created_at": utcnow(),
    }


def record(
    actor: User | None, action: str, object_type: str, object_id: int | None, **details: Any
) -> None:
    """Add the event to the current transaction: it commits, or rolls back, with the change."""
    db.session.execute(INSERT_EVENT, entry(actor, action, object_type, object_id, **details))
