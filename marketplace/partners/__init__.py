"""Partners: API keys, inventory sync over the API and from feeds, outgoing
webhooks, sync history, and the partner's pages. The JSON endpoints live in `api`."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask
from sqlalchemy.orm import Session

bp = Blueprint("partners", __name__)

from marketplace.partners import routes  # noqa: E402, F401
from marketplace.partners.sync_apply import stamp_new_listings  # noqa: E402
from marketplace.partners.webhooks import on_reservation_event  # noqa: E402
from marketplace.reservations.events import reservation_event  # noqa: E402


def _install_hooks() -> None:
    if not sa.event.contains(Session, "before_flush", stamp_new_listings):
        sa.event.listen(Session, "before_flush", stamp_new_listings)


def register_partners(app: Flask) -> None:
    """What partners need besides their blueprint: marking the listings their items create,
    and webhooks for the reservations on them. Their duties are in `ops.jobs`."""
    _install_hooks()
    # A strong reference: the subscriber must live as long as the process does.
    reservation_event.connect(on_reservation_event, weak=False)
