"""Serving stored files (listing photos). Keys are long random names, so a photo's address is
as hard to guess as a capability; the files never change, so they are cached for a year."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from werkzeug.wrappers import Response

from marketplace.core.storage import storage_for

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/<path:key>")
def file(key: str) -> Response:
    storage = storage_for(current_app)
    try:
        stream = storage.open(key)
    except (KeyError, ValueError, FileNotFoundError):
        abort(404)
    return send_file(stream, mimetype="image/jpeg", max_age=31_536_000, conditional=False)
