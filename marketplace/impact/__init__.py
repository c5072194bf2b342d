"""Circular impact: kilograms kept out of waste and the CO2e that avoided, with its method, the
public and organisation dashboards, handover exports and the open-data feeds."""

from flask import Blueprint

bp = Blueprint("impact", __name__, url_prefix="/impact")
open_data_bp = Blueprint("open_data", __name__, url_prefix="/open-data")

from marketplace.impact import open_data_routes, routes  # noqa: E402, F401
