"""Who belongs to an organisation, and who may act for it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.errors import Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import MemberRole, Membership, User


def membership(organisation_id: int, user: User) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user.id
        )
    )


def require_membership(organisation_id: int, user: User) -> Membership:
    """The user's membership, or NotFound: outsiders must not learn what exists."""
    found = membership(organisation_id, user)
    if found is None:
        raise NotFound(_l("No such organisation."))
    return found


def require_owner(organisation_id: int, user: User) -> Membership:
    found = require_membership(organisation_id, user)
    if found.role != MemberRole.OWNER:
        raise Forbidden(_l("Only the organisation's owners can do this."))
    return found


def owners(organisation_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id, Membership.role == MemberRole.OWNER
            )
            .order_by(Membership.id)
        )
    )
