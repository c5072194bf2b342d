"""Recording who did what. Services call `record` inside their unit of work."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa

from marketplace.database import utcnow
from marketplace.extensions import db
from marketplace.models import AuditEvent, User

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
