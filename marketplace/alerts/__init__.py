"""Bringing supply and demand together without anyone checking the site every day: saved
searches with e-mail and in-app alerts, and wanted ads matched to what is offered."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

bp = Blueprint("alerts", __name__, url_prefix="/saved-searches")


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    from marketplace.alerts import matching, services, worker
    from marketplace.jobs import register_duty

    app = cast(Flask, state.app)
    worker.connect()
    # Before the product's own duties, so that a round's alerts are e-mailed in that round.
    register_duty(app, "saved-search alerts", services.send_due)
    register_duty(app, "wanted-ad matches", matching.catch_up)
    app.add_template_global(matching.wanted_for_offer, "matching_wanted")
    app.add_template_global(matching.wanted_for_offers, "matching_wanted_by_offer")
    app.add_template_global(matching.offers_for_wanted, "matching_offers")


from marketplace.alerts import routes  # noqa: E402, F401
