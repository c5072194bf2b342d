"""Recording who did what. Services call `record` inside their unit of work."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketplace.database import utcnow
from marketplace.extensions import db
from marketplace.models import AuditEvent, User


def record(
    actor: User | None, action: str, object_type: str, object_id: int | None, **details: Any
) -> None:
    """Add the event to the current transaction: it commits, or rolls back, with the change."""
    db.session.execute(
        sa.insert(AuditEvent).values(
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            details=details,
            created_at=utcnow(),
        )
    )
