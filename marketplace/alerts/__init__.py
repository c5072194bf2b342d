"""Bringing supply and demand together without anyone checking the site every day: saved
searches with e-mail and in-app alerts, and wanted ads matched to what is offered."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("alerts", __name__, url_prefix="/saved-searches")

from marketplace.alerts import matching, routes, worker  # noqa: E402, F401

bp.add_app_template_global(matching.wanted_for_offer, "matching_wanted")
bp.add_app_template_global(matching.wanted_for_offers, "matching_wanted_by_offer")
bp.add_app_template_global(matching.offers_for_wanted, "matching_offers")


@bp.record_once
def _listen_to_listings(_state: BlueprintSetupState) -> None:
    worker.connect()
