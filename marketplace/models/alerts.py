"""Saved searches with their alerts, and wanted ads matched to offers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.database import created_at, intpk, updated_at
from marketplace.models.base import Model

if TYPE_CHECKING:
    from marketplace.models.listing import Listing
    from marketplace.models.user import User


class AlertFrequency(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"


class SavedSearch(Model):
    """A search (its query arguments, as the search page's address has them) whose new
    listings the user hears of, in the app and, unless unsubscribed, by e-mail."""

    __tablename__ = "saved_searches"
    __table_args__ = (sa.Index("ix_saved_searches_frequency_checked", "frequency", "checked_at"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # The search's query arguments ({"q": "tiiliä", "postal_code": "02650", ...}).
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    frequency: Mapped[AlertFrequency] = mapped_column(default=AlertFrequency.DAILY)
    by_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    # When the alert job last looked for new listings (claimed with a compare-and-set).
    checked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SavedSearch {self.id} {self.name!r} {self.frequency}>"


class AlertedListing(Model):
    """A listing a saved search has alerted about: inserted in the same transaction as the
    alert, so that no listing is announced twice, whatever crashes or runs in parallel."""

    __tablename__ = "alerted_listings"
    __table_args__ = (
        sa.UniqueConstraint("saved_search_id", "listing_id", name="uq_alerted_listings_once"),
    )

    id: Mapped[intpk]
    saved_search_id: Mapped[int] = mapped_column(
        sa.ForeignKey("saved_searches.id", ondelete="CASCADE")
    )
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[created_at]


class WantedMatch(Model):
    """An offer that matches a wanted ad: its author is told once per pair."""

    __tablename__ = "wanted_matches"
    __table_args__ = (sa.UniqueConstraint("wanted_id", "offer_id", name="uq_wanted_matches_once"),)

    id: Mapped[intpk]
    wanted_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    distance_km: Mapped[float]
    created_at: Mapped[created_at]

    wanted: Mapped[Listing] = relationship(foreign_keys=[wanted_id])
    offer: Mapped[Listing] = relationship(foreign_keys=[offer_id])
