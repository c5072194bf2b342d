"""What the parties of a reservation are told, and who the other party is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marketplace.mail import notifications
from marketplace.models import Reservation, ReservationStatus, User


def lister(reservation: Reservation) -> User:
    return reservation.listing.owner


def _amount(reservation: Reservation) -> dict[str, Any]:
    # Kept unformatted: the reader's language writes it, when the page or e-mail is made.
    return notifications.amount_of(
        reservation.quantity,
        reservation.listing.unit,
        reservation.start_date,
        reservation.end_date,
    )


def when(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def pickup_details(reservation: Reservation) -> dict[str, Any]:
    """The acceptance notice: the first the requester hears of a private person's address and
    pickup instructions (the public sees only the postal area, see `places`)."""
    site = reservation.listing.site
    return {
        "amount": _amount(reservation),
        "when": when(reservation.pickup_at),
        "place": f"{site.name}, {site.address}, {site.postal_code} {site.city}",
        "instructions": reservation.listing.pickup_instructions,
        "code": reservation.pickup_code,
    }


def creation_notice(reservation: Reservation) -> dict[str, Any]:
    """What the party who must act next is told of a new request."""
    if reservation.status == ReservationStatus.ACCEPTED:
        return notifications.notice(
            reservation.requester, "accepted", reservation, **pickup_details(reservation)
        )
    return notifications.notice(
        reservation.listing.owner_id,
        "new_request",
        reservation,
        requester=reservation.requester.display_name,
        amount=_amount(reservation),
        message=reservation.message,
        deadline=when(reservation.expires_at),
    )
