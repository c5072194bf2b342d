"""JSON API v1: the public catalogue now; partner inventory and reservations later (DESIGN §6).
Machines authenticate with keys, not cookies, so CSRF does not apply here."""

from flask import Blueprint

from marketplace.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from marketplace.api import routes  # noqa: E402, F401
