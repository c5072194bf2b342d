"""Recording who did what. Services call `record` inside their unit of work."""

from __future__ import annotations

from typing import Any

from marketplace.extensions import db
from marketplace.models import AuditEvent, User


def record(
    actor: User | None, action: str, object_type: str, object_id: int | None, **details: Any
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    db.session.add(event)
    return event
