"""Accounts: registration, sign-in, passwords and profiles."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from marketplace.extensions import login_manager

bp = Blueprint("auth", __name__)

from marketplace.auth import routes, services  # noqa: E402, F401


def register_auth(app: Flask) -> None:
    """Sign-in for the whole app: Flask-Login and where it sends anonymous visitors."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.user_loader(services.user_for_token)
