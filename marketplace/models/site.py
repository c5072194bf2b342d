from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.database import created_at, intpk, updated_at
from marketplace.models.base import Model

if TYPE_CHECKING:
    from marketplace.models.organisation import Organisation
    from marketplace.models.user import User


class Site(Model):
    """A place where goods are picked up. Building sites are temporary, hence the period."""

    __tablename__ = "sites"
    __table_args__ = (
        sa.CheckConstraint(
            "(organisation_id IS NULL) <> (user_id IS NULL)", name="exactly_one_owner"
        ),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        sa.CheckConstraint(
            "active_until IS NULL OR active_from IS NULL OR active_until >= active_from",
            name="period_order",
        ),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(200))
    postal_code: Mapped[str] = mapped_column(sa.String(5))
    city: Mapped[str] = mapped_column(sa.String(80))
    latitude: Mapped[float]
    longitude: Mapped[float]
    active_from: Mapped[date | None]
    active_until: Mapped[date | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    organisation: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name}>"
