"""What views across blueprints share."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required
from werkzeug.wrappers import Response

Page = str | tuple[str, int] | Response


def signed_in_only(blueprint: Blueprint) -> None:
    """Every page of the blueprint sends anonymous visitors to the sign-in page."""

    @blueprint.before_request
    @login_required
    def require_sign_in() -> None:
        return None
