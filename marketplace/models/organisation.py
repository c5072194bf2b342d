from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.database import created_at, intpk
from marketplace.models.base import Model

if TYPE_CHECKING:
    from marketplace.models.user import User


class OrganisationKind(StrEnum):
    CONTRACTOR = "contractor"
    BUSINESS = "business"
    RENTAL_PARTNER = "rental_partner"
    PUBLIC_BODY = "public_body"


class MemberRole(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class Organisation(Model):
    __tablename__ = "organisations"
    # Unique only among verified organisations: anyone may claim a business ID while signing
    # up, so an unverified claim must never block the company that really holds it.
    __table_args__ = (
        sa.Index(
            "uq_organisations_verified_business_id",
            "business_id",
            unique=True,
            sqlite_where=sa.text("verified"),
            postgresql_where=sa.text("verified"),
        ),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[OrganisationKind]
    # Finnish business ID (Y-tunnus) in its canonical form 1234567-8.
    business_id: Mapped[str] = mapped_column(sa.String(9))
    verified: Mapped[bool] = mapped_column(default=False)
    # Stripe Connect: the account sales are paid out to, once onboarding lets it take charges.
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_charges_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[created_at]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class Membership(Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(default=MemberRole.MEMBER)
    created_at: Mapped[created_at]

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")
