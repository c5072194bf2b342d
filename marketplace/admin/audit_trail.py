"""The audit trail as admins read it: every `AuditEvent`, newest first, narrowed to one object
or to what one person did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from marketplace.admin.people import LIKE_ESCAPE, contains_pattern
from marketplace.admin.services import require_admin
from marketplace.extensions import db
from marketplace.models import AuditEvent, User

PER_PAGE = 50


@dataclass(frozen=True)
class TrailFilter:
    object_type: str = ""
    object_id: int | None = None
    # Part of the actor's e-mail address.
    actor: str = ""


def object_types() -> list[str]:
    """The kinds of object the trail names, for the filter's choices."""
    query = sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    return list(db.session.scalars(query))


def events(actor: User, narrowed: TrailFilter, page: int = 1) -> Pagination:
    require_admin(actor)
    query = sa.select(AuditEvent).options(joinedload(AuditEvent.actor))
    if narrowed.object_type:
        query = query.where(AuditEvent.object_type == narrowed.object_type)
    if narrowed.object_id is not None:
        query = query.where(AuditEvent.object_id == narrowed.object_id)
    if who := narrowed.actor.strip().lower():
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email.like(contains_pattern(who), escape=LIKE_ESCAPE)
        )
    # Ids grow with time, and the primary key orders without a sort.
    query = query.order_by(AuditEvent.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def describe(details: dict[str, Any]) -> str:
    """An event's details on one line."""
    return ", ".join(f"{key}: {value}" for key, value in details.items() if value is not None)
