"""The terms of use a person has accepted, and asking again when a new version is in force.

The question comes on the next page the person opens, never in answer to a form they send:
what they were doing goes through, and after accepting they are back where they were going.
"""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import User, audit

# Reading the terms, using one's data rights and signing out never wait for an acceptance;
# the API is used with keys, not sessions.
EXEMPT_BLUEPRINTS = frozenset({"privacy", "api", "media"})
EXEMPT_ENDPOINTS = frozenset({"static", "auth.logout", "main.healthz", "main.switch_language"})


def version_in_force() -> str:
    return str(current_app.config["TERMS_VERSION"])


def needs_acceptance(user: User) -> bool:
    return user.terms_version != version_in_force()


def accept(user: User) -> None:
    user.terms_version = version_in_force()
    user.terms_accepted_at = utcnow()
    audit.record(user, "user.terms_accepted", "user", user.id, version=user.terms_version)
    db.session.commit()


def _asks_now() -> bool:
    if request.method not in ("GET", "HEAD") or request.headers.get("HX-Request"):
        return False
    if request.endpoint is None or request.endpoint in EXEMPT_ENDPOINTS:
        return False
    return request.blueprint not in EXEMPT_BLUEPRINTS


def ask_for_new_terms() -> Response | None:
    """Before a page: send a signed-in person who has not accepted the terms in force to
    accept them, and then on to the page they asked for."""
    if not _asks_now() or not current_user.is_authenticated:
        return None
    if not needs_acceptance(current_user):
        return None
    going_to = request.full_path.rstrip("?")
    return redirect(url_for("privacy.accept_terms", next=going_to))
