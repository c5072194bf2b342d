from __future__ import annotations

from datetime import datetime
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


class VerificationStatus(StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"  # the trader's details are in; an admin has yet to decide
    VERIFIED = "verified"
    REJECTED = "rejected"


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
    # `verified` says what the verification_status does, kept in step by the service that
    # decides: the partial unique index above and the checks of API keys and payouts read it.
    verified: Mapped[bool] = mapped_column(default=False)
    verification_status: Mapped[VerificationStatus] = mapped_column(
        default=VerificationStatus.UNVERIFIED, server_default="unverified", index=True
    )
    verification_note: Mapped[str | None] = mapped_column(sa.Text)
    verification_decided_at: Mapped[datetime | None]
    verification_decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), index=True
    )
    # The trader's details that a buyer must see (DSA Art. 30), and the trader's
    # confirmation that it offers only lawful goods.
    street_address: Mapped[str | None] = mapped_column(sa.String(200))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    city: Mapped[str | None] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    trade_register_number: Mapped[str | None] = mapped_column(sa.String(40))
    trader_certified_at: Mapped[datetime | None]
    # Stripe Connect: the account sales are paid out to, once onboarding lets it take charges.
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_charges_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[created_at]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    verification_decided_by: Mapped[User | None] = relationship()

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
