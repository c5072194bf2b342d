"""Optional online payments through Stripe: checkout, webhooks, refunds, Connect payouts."""

from flask import Blueprint, Flask

bp = Blueprint("payments", __name__, url_prefix="/payments")


def register_payments(app: Flask) -> None:
    from marketplace.payments import routes, services  # noqa: F401  (routes attach to bp)
    from marketplace.payments.gateway import register_gateway

    register_gateway(app)
    services.register_payment_events()
    app.register_blueprint(bp)
