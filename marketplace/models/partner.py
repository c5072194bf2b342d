"""The partner API's records (docs/api.md): keys, the items partners sync, idempotent requests,
sync history, outgoing webhooks with their outbox, and pulled feeds."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.database import created_at, intpk, updated_at
from marketplace.models.base import Model
from marketplace.models.listing import ListingSource

if TYPE_CHECKING:
    from marketplace.models.listing import Listing
    from marketplace.models.organisation import Organisation
    from marketplace.models.user import User


class PartnerKey(Model):
    """An organisation's API key. Only a digest of the token is kept; the token is shown once."""

    __tablename__ = "partner_keys"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # The API acts as this person: listings it creates are theirs, on behalf of the organisation.
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    # The start of the token ("kmp_live_AbCd"), so that people can tell their keys apart.
    token_prefix: Mapped[str] = mapped_column(sa.String(20))
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[created_at]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class PartnerItem(Model):
    """What a partner last sent for one of its items, beside the listing it maps onto. The
    digest makes an unchanged item a no-op; attributes have no place on the listing itself."""

    __tablename__ = "partner_items"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "external_id", name="partner_item_per_org"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    external_id: Mapped[str] = mapped_column(sa.String(100))
    # A withdrawn item sent again gets a new listing; the closed one keeps its reservations.
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"), unique=True)
    source: Mapped[ListingSource]
    content_digest: Mapped[str] = mapped_column(sa.String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    photo_urls: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    listing: Mapped[Listing] = relationship()


class IdempotencyState(StrEnum):
    PENDING = "pending"
    DONE = "done"


class IdempotencyRecord(Model):
    """One `Idempotency-Key` of one API key. Inserted before the work starts, so that a
    duplicate sent in parallel meets the unique constraint; completed in the work's own
    transaction, so that the stored answer exists exactly when the effect does."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        sa.UniqueConstraint("key_id", "idempotency_key", name="idempotency_key_per_api_key"),
    )

    id: Mapped[intpk]
    key_id: Mapped[int] = mapped_column(sa.ForeignKey("partner_keys.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(255))
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[IdempotencyState] = mapped_column(default=IdempotencyState.PENDING)
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    completed_at: Mapped[datetime | None]


class SyncKind(StrEnum):
    BATCH = "batch"
    FEED = "feed"


class SyncStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # some items failed
    FAILED = "failed"  # nothing was applied (a feed that could not be fetched or read)


class SyncRun(Model):
    """One batch or feed pull, as the partner sees it in the sync history."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        sa.Index("ix_sync_runs_organisation_started", "organisation_id", "started_at"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE")
    )
    key_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner_keys.id", ondelete="SET NULL"), index=True
    )
    feed_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("feed_sources.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[SyncKind]
    mode: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[SyncStatus]
    received: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    # [{"external_id", "field", "message"}, …], capped so that a broken feed stays readable.
    failures: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(default=0)


class WebhookEndpoint(Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Kept as it is, not as a digest: every delivery is signed with it.
    secret: Mapped[str] = mapped_column(sa.String(100))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[created_at]
    # Deleted endpoints stay, so that their delivery history can still be read.
    deleted_at: Mapped[datetime | None]


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # retried for over a day, then given up
    CANCELLED = "cancelled"  # the endpoint was deleted before it went


class WebhookDelivery(Model):
    """The outbox: written in the transaction of the event, sent after it commits."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id", name="delivery_per_event"),
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[intpk]
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(sa.String(40))
    # The same for every endpoint the event goes to, so that receivers can drop repeats.
    event_id: Mapped[str] = mapped_column(sa.String(40))
    reservation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="SET NULL"), index=True
    )
    # The exact bytes that are signed and sent, as text.
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    # A sender holds the delivery until then, renewing it while it sends (`mail.leases`); a
    # sender that died lets it go by itself.
    claimed_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[created_at]
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.id", cascade="all, delete-orphan"
    )


class WebhookAttempt(Model):
    __tablename__ = "webhook_attempts"

    id: Mapped[intpk]
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.String(300))
    response_excerpt: Mapped[str] = mapped_column(sa.String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")


class FeedFormat(StrEnum):
    AUTO = "auto"  # by the response's Content-Type, then by the first character
    CSV = "csv"
    JSON = "json"


class FeedSource(Model):
    """A partner's inventory file that the marketplace pulls on a schedule (one per partner)."""

    __tablename__ = "feed_sources"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(sa.String(2000))
    format: Mapped[FeedFormat] = mapped_column(default=FeedFormat.AUTO)
    interval_minutes: Mapped[int] = mapped_column(default=60)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    next_pull_at: Mapped[datetime | None] = mapped_column(index=True)
    claimed_until: Mapped[datetime | None]
    last_pulled_at: Mapped[datetime | None]
    last_status: Mapped[SyncStatus | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    # For conditional requests: an unchanged feed answers 304 and costs nothing.
    etag: Mapped[str | None] = mapped_column(sa.String(200))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
