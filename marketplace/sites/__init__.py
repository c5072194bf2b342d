"""Places where goods are picked up: building sites, depots, shops, a resident's home."""

from flask import Blueprint

bp = Blueprint("sites", __name__, url_prefix="/sites")

from marketplace.sites import places, routes  # noqa: E402, F401

bp.add_app_template_global(places.public_place, "public_place")
