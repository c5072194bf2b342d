"""Absolute links for e-mails and webhooks, inside a request or outside one (CLI, jobs)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base_url = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context(base_url=base_url):
        return url_for(endpoint, _external=True, **values)


def is_safe_redirect(target: str | None) -> bool:
    """Only paths on this site; "//host" and "/\\host" would leave it."""
    if not target or not target.startswith("/"):
        return False
    return not target.startswith(("//", "/\\"))
