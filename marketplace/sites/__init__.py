"""Places where goods are picked up: building sites, depots, shops, a resident's home."""

from flask import Blueprint

bp = Blueprint("sites", __name__, url_prefix="/sites")

from marketplace.sites import routes  # noqa: E402, F401
