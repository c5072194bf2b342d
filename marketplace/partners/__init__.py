"""Partners (DESIGN §6): API keys, inventory sync over the API and from feeds, outgoing
webhooks, sync history, and the partner's pages. The JSON endpoints live in `api`."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask
from sqlalchemy.orm import Session

bp = Blueprint("partners", __name__)


def _install_hooks() -> None:
    from marketplace.partners.inventory import stamp_new_listings

    if not sa.event.contains(Session, "before_flush", stamp_new_listings):
        sa.event.listen(Session, "before_flush", stamp_new_listings)


def _register_duties(app: Flask) -> None:
    """What `flask jobs run` does for partners, besides the `flask partners` commands."""
    from marketplace.jobs import register_duty
    from marketplace.partners import feeds, idempotency, webhooks

    register_duty(app, "partner webhooks", lambda: webhooks.deliver_due().total)
    register_duty(app, "partner feeds", lambda: len(feeds.pull_due()))
    register_duty(app, "partner idempotency records", idempotency.prune)


def register_partners(app: Flask) -> None:
    from marketplace.partners import routes  # noqa: F401  (routes attach to bp)
    from marketplace.partners.webhooks import on_reservation_event
    from marketplace.reservations.events import reservation_event

    _install_hooks()
    # A strong reference: the subscriber must live as long as the process does.
    reservation_event.connect(on_reservation_event, weak=False)
    _register_duties(app)
    app.register_blueprint(bp)
