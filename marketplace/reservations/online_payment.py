"""Online payment as the reservation pages see it: a slot that `payments` fills.

Payments settle reservations, so `payments` builds on this package and not the other way
round. A reservation page asks here whether a requester pays online and, for a reservation that
waits for payment, where to send them; `payments` answers by offering itself when it is set up
(`register_payments`). With nothing offered, every reservation is paid at pickup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from werkzeug.wrappers import Response

from marketplace.models import Reservation

EXTENSION = "online_payment"


@dataclass(frozen=True)
class OnlinePayment:
    enabled: Callable[[], bool]
    # Sends the requester of a reservation that waits for payment on to pay.
    checkout: Callable[[Reservation], Response]


def offer_online_payment(app: Flask, payment: OnlinePayment) -> None:
    app.extensions[EXTENSION] = payment


def _offered() -> OnlinePayment | None:
    found: OnlinePayment | None = current_app.extensions.get(EXTENSION)
    return found


def pay_online() -> bool:
    offered = _offered()
    return offered is not None and offered.enabled()


def send_to_checkout(reservation: Reservation) -> Response:
    offered = _offered()
    if offered is None:  # a reservation waits for payment only when payment was on
        raise RuntimeError("No online payment: call register_payments(app) in create_app.")
    return offered.checkout(reservation)
