from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.database import created_at, intpk, updated_at
from marketplace.models.base import Model
from marketplace.models.category import Category, Unit
from marketplace.models.user import Language

if TYPE_CHECKING:
    from marketplace.models.moderation import Decision
    from marketplace.models.organisation import Organisation
    from marketplace.models.site import Site
    from marketplace.models.user import User


class ListingKind(StrEnum):
    MATERIAL = "material"
    EQUIPMENT = "equipment"
    WANTED = "wanted"


class ListingStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"
    EXPIRED = "expired"
    REMOVED = "removed"
    # Held for review before it goes public (hazardous goods, brand-new accounts).
    PENDING_REVIEW = "pending_review"


class Condition(StrEnum):
    NEW_SURPLUS = "new_surplus"
    LIKE_NEW = "like_new"
    GOOD = "good"
    FAIR = "fair"
    FOR_PARTS = "for_parts"


class PriceModel(StrEnum):
    FREE = "free"
    PER_UNIT = "per_unit"
    PER_LOT = "per_lot"
    RENTAL = "rental"


class HazardStatus(StrEnum):
    """The seller's declaration for demolition material. Anything but DECLARED_CLEAN is
    hazardous and is never offered on the marketplace."""

    DECLARED_CLEAN = "declared_clean"
    ASBESTOS = "asbestos"
    PCB = "pcb"
    CONTAMINATED = "contaminated"


class ListingSource(StrEnum):
    WEB = "web"
    API = "api"
    FEED = "feed"


class Listing(Model):
    __tablename__ = "listings"
    __table_args__ = (
        sa.CheckConstraint("quantity_total > 0", name="quantity_total_positive"),
        sa.CheckConstraint("quantity_available >= 0", name="quantity_available_non_negative"),
        sa.CheckConstraint("quantity_available <= quantity_total", name="available_within_total"),
        sa.CheckConstraint("mass_per_unit_kg IS NULL OR mass_per_unit_kg >= 0", name="mass"),
        sa.CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="price"),
        sa.CheckConstraint("week_price_cents IS NULL OR week_price_cents >= 0", name="week_price"),
        sa.CheckConstraint("deposit_cents IS NULL OR deposit_cents >= 0", name="deposit"),
        sa.CheckConstraint("min_rental_days IS NULL OR min_rental_days >= 1", name="min_days"),
        sa.CheckConstraint(
            "available_until IS NULL OR available_until >= available_from", name="period_order"
        ),
        sa.UniqueConstraint("organisation_id", "external_id", name="external_id_per_org"),
        sa.Index("ix_listings_status_published_at", "status", "published_at"),
    )

    id: Mapped[intpk]
    kind: Mapped[ListingKind]
    status: Mapped[ListingStatus] = mapped_column(default=ListingStatus.DRAFT, index=True)
    source: Mapped[ListingSource] = mapped_column(default=ListingSource.WEB)
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[Language]
    condition: Mapped[Condition | None]
    unit: Mapped[Unit]
    quantity_total: Mapped[Decimal]
    # Changed only by atomic conditional updates (reservations and quantity edits).
    quantity_available: Mapped[Decimal]
    mass_per_unit_kg: Mapped[Decimal | None]
    price_model: Mapped[PriceModel] = mapped_column(default=PriceModel.FREE)
    # Per unit, per lot, or per day for rentals; integer cents of euro.
    price_cents: Mapped[int | None]
    week_price_cents: Mapped[int | None]
    deposit_cents: Mapped[int | None]
    min_rental_days: Mapped[int | None]
    available_from: Mapped[date]
    available_until: Mapped[date | None]
    pickup_instructions: Mapped[str] = mapped_column(sa.Text, default="")
    delivery_possible: Mapped[bool] = mapped_column(default=False)
    # Requests are accepted at once, without the lister answering each one.
    auto_accept: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A requester who cancels at least this many hours before pickup gets a full refund.
    free_cancellation_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    demolition_material: Mapped[bool] = mapped_column(default=False)
    hazard_status: Mapped[HazardStatus | None]
    hazard_notes: Mapped[str] = mapped_column(sa.String(500), default="")
    removal_reason: Mapped[str | None] = mapped_column(sa.String(500))
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    removed_at: Mapped[datetime | None]
    # The moderation decision that removed it: removed content is never republished or copied.
    removed_by_decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("moderation_decisions.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    # Restricted by a moderation decision: hidden from search and browse, but not removed.
    restricted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])
    removed_by_decision: Mapped[Decision | None] = relationship(
        foreign_keys=[removed_by_decision_id]
    )
    organisation: Mapped[Organisation | None] = relationship()
    site: Mapped[Site] = relationship()
    category: Mapped[Category] = relationship()
    photos: Mapped[list[ListingPhoto]] = relationship(
        back_populates="listing", order_by="ListingPhoto.position", cascade="all, delete-orphan"
    )

    @property
    def is_free(self) -> bool:
        return self.price_model == PriceModel.FREE

    @property
    def is_hazardous(self) -> bool:
        declared = self.hazard_status not in (None, HazardStatus.DECLARED_CLEAN)
        return declared or self.category.hazardous

    def __repr__(self) -> str:
        return f"<Listing {self.id} {self.title!r} {self.status}>"


class ListingPhoto(Model):
    __tablename__ = "listing_photos"

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # Storage keys of the prepared variants, by width in pixels ({"320": "ab/…jpg", …}).
    variants: Mapped[dict[str, Any]] = mapped_column(default=dict)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[created_at]

    listing: Mapped[Listing] = relationship(back_populates="photos")
