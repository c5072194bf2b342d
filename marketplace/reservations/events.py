"""What happened to a reservation, announced inside its transaction.

Subscribers (partner webhooks, for one) write what they need in the same unit of work, so
their records commit with the change or roll back with it.
"""

from __future__ import annotations

from blinker import Namespace

from marketplace.models import Reservation

_signals = Namespace()
reservation_event = _signals.signal("reservation-event")

# Event names, as partners see them in webhooks.
REQUESTED = "reservation.requested"
ACCEPTED = "reservation.accepted"
DECLINED = "reservation.declined"
CANCELLED = "reservation.cancelled"
EXPIRED = "reservation.expired"
COMPLETED = "reservation.completed"
REDUCED = "reservation.reduced"
PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_REFUNDED = "payment.refunded"


def publish(
    reservation: Reservation,
    event: str,
    actor_id: int | None = None,
    details: dict[str, object] | None = None,
) -> None:
    reservation_event.send(reservation, event=event, actor_id=actor_id, details=details or {})
