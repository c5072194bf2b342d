"""Reservations as partners see them, in API answers and in webhook payloads alike.

Only what the partner needs to serve the booking: the requester's display name but not their
e-mail address, and never the pickup code (the requester shows it at the handover).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from marketplace.core.money import euros_from_cents
from marketplace.models import Reservation
from marketplace.web.links import external_url


def _decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _money(cents: int | None) -> str | None:
    euros = euros_from_cents(cents)
    return None if euros is None else format(euros, "f")


def _when(value: datetime | date | None) -> str | None:
    """Times in UTC, so that the webhook (sent from the objects in memory) and the API (read
    back from the database) write the same moment the same way."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
    return None if value is None else value.isoformat()


def reservation_as_dict(reservation: Reservation) -> dict[str, Any]:
    listing = reservation.listing
    return {
        "id": reservation.id,
        "status": reservation.status.value,
        "listing": {
            "id": listing.id,
            "external_id": listing.external_id,
            "title": listing.title,
            "url": external_url("listings.detail", listing_id=listing.id),
        },
        "quantity": _decimal(reservation.quantity),
        "unit": listing.unit.value,
        "start_date": _when(reservation.start_date),
        "end_date": _when(reservation.end_date),
        "pickup_at": _when(reservation.pickup_at),
        "message": reservation.message,
        "price": {"amount": _money(reservation.price_cents), "currency": "EUR"},
        "deposit": _money(reservation.deposit_cents),
        "requester": {"name": reservation.requester.display_name},
        "reason": reservation.reason,
        "expires_at": _when(reservation.expires_at),
        "created_at": _when(reservation.created_at),
        "updated_at": _when(reservation.updated_at),
        "requested_at": _when(reservation.requested_at),
        "accepted_at": _when(reservation.accepted_at),
        "completed_at": _when(reservation.completed_at),
        "closed_at": _when(reservation.closed_at),
    }
