"""Optional online payments through Stripe: checkout, webhooks, refunds, Connect payouts."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("payments", __name__, url_prefix="/payments")

from marketplace.payments import routes, services  # noqa: E402
from marketplace.payments.gateway import register_gateway  # noqa: E402
from marketplace.reservations.online_payment import (  # noqa: E402
    OnlinePayment,
    offer_online_payment,
)

bp.add_app_template_global(services.enabled, "payments_enabled")


def register_payments(app: Flask) -> None:
    """What payments need besides their blueprint: the Stripe gateway (when a key is set), the
    reservation events they act on, and their offer to the reservation pages."""
    register_gateway(app)
    services.register_payment_events()
    offer_online_payment(app, OnlinePayment(services.enabled, routes.checkout_redirect))
