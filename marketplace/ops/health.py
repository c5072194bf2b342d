"""What /healthz reports: whether the database answers and whether search storage is usable.

Anyone may ask whether the service is up; the details (database dialect, search backend and
index, storage) describe the installation to an attacker, so only the operator sees them: with
HEALTHZ_TOKEN, or from the machine itself.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import Headers

from marketplace.core.storage import storage_for
from marketplace.extensions import db
from marketplace.search import services as search_services


def database_state() -> dict[str, Any]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        return {"status": "error", "detail": type(error).__name__}
    return {"status": "ok", "dialect": db.engine.dialect.name}


def search_state() -> dict[str, Any]:
    index_dir = Path(current_app.config["SEARCH_INDEX_DIR"])
    parent = index_dir if index_dir.exists() else index_dir.parent
    if not os.access(parent, os.W_OK):
        return {"status": "error", "detail": "index directory is not writable"}
    try:
        return search_services.state()
    except Exception as error:  # a broken index must show here, not break the health check
        return {"status": "error", "detail": type(error).__name__}


def storage_state() -> dict[str, Any]:
    """Write and remove a small file, as a photo upload would (a shared mount can be read-only
    or gone while its directory still exists)."""
    storage = storage_for(current_app)
    try:
        key = storage.save(b"healthz", ".jpg")
        storage.delete(key)
    except OSError as error:
        return {"status": "error", "detail": type(error).__name__}
    return {"status": "ok"}


def details_allowed(headers: Headers, remote_addr: str | None) -> bool:
    """A bearer token equal to HEALTHZ_TOKEN (compared in constant time), or a request from
    loopback (the address after ProxyFix) that no undeclared proxy forwarded: behind a proxy
    that TRUSTED_PROXY_COUNT does not name, every request seems to come from loopback."""
    token = str(current_app.config["HEALTHZ_TOKEN"])
    scheme, _, given = headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        return hmac.compare_digest(given.strip().encode(), token.encode())
    if not current_app.config["TRUSTED_PROXY_COUNT"] and "X-Forwarded-For" in headers:
        return False
    try:
        return ipaddress.ip_address(remote_addr or "").is_loopback
    except ValueError:
        return False


def report() -> tuple[dict[str, Any], bool]:
    checks = {"database": database_state(), "search": search_state(), "storage": storage_state()}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return {"status": "ok" if healthy else "error", **checks}, healthy
