"""Organisations (contractors, businesses, rental partners, public bodies) and their members."""

from flask import Blueprint

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

from marketplace.organisations import routes  # noqa: E402, F401
