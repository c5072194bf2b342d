"""Listings: materials offered, equipment for rent and wanted items, with their photos."""

from flask import Blueprint

bp = Blueprint("listings", __name__, url_prefix="/listings")

from marketplace.listings import routes  # noqa: E402, F401
