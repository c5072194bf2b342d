from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.clock import utcnow
from marketplace.database import created_at, intpk, updated_at
from marketplace.models.base import Model

if TYPE_CHECKING:
    from marketplace.models.moderation import Decision
    from marketplace.models.organisation import Membership


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class Language(StrEnum):
    FI = "fi"
    SV = "sv"
    EN = "en"


class User(Model):
    """A person. A resident is a user without an organisation."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "NOT (suspended_indefinitely AND suspended_until IS NOT NULL)", name="one_suspension"
        ),
    )

    id: Mapped[intpk]
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    locale: Mapped[Language] = mapped_column(default=Language.FI)
    role: Mapped[Role] = mapped_column(default=Role.MEMBER)
    # May sign in at all: off for disabled and deleted accounts. Suspension is separate.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    # The terms of use accepted at registration; None for accounts older than the terms.
    terms_version: Mapped[str | None] = mapped_column(sa.String(20))
    terms_accepted_at: Mapped[datetime | None]
    # A deleted account keeps its row, anonymised, so that other people's records stay whole.
    deleted_at: Mapped[datetime | None]
    # A suspension for a period ends by itself at suspended_until; an indefinite one does not.
    suspended_until: Mapped[datetime | None]
    suspended_indefinitely: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    suspension_decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("moderation_decisions.id", use_alter=True, ondelete="SET NULL"), index=True
    )

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    sign_ins: Mapped[list[SignIn]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    # Written after both rows exist: the decision names this user too.
    suspension_decision: Mapped[Decision | None] = relationship(
        foreign_keys=[suspension_decision_id], post_update=True
    )

    # Flask-Login keeps get_id() in the session and remember cookies. It is the token of the
    # current sign-in, not the user id, so that signing out or changing the password revokes
    # exactly the sessions it should; the auth package sets it after loading the user.
    if TYPE_CHECKING:
        sign_in_token: str | None
    else:
        sign_in_token = None

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def is_suspended(self, now: datetime | None = None) -> bool:
        if self.suspended_indefinitely:
            return True
        return self.suspended_until is not None and self.suspended_until > (now or utcnow())

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def get_id(self) -> str:
        if self.sign_in_token is None:
            raise RuntimeError("user is not signed in through the auth package")
        return self.sign_in_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class SignIn(Model):
    """One signed-in browser. Only a digest of its token is stored."""

    __tablename__ = "sign_ins"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[created_at]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="sign_ins")
