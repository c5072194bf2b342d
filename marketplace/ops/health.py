"""What /healthz reports: whether the database answers, whether search and file storage are
usable, and whether the rate-limit counts reach Redis; and, by name, what is down.

Anyone may ask whether the service is up; the details (database dialect, search backend and
index, storage, what is down and why) describe the installation to an attacker, so only the
operator sees them: with HEALTHZ_TOKEN, or from the machine itself.

The service is unhealthy (503) when the database, search or file storage fails. Without Redis it
still serves, counting rate limits in each process's memory: "degraded", with 200.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from contextlib import suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import Headers

from marketplace.core import outages
from marketplace.core.outages import DATABASE, REDIS
from marketplace.core.rate_limits import FallbackStorage
from marketplace.core.storage import storage_for
from marketplace.database import unreachable_reason
from marketplace.extensions import db, limiter
from marketplace.search import services as search_services


def database_state() -> dict[str, Any]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        with suppress(sa.exc.SQLAlchemyError):
            db.session.rollback()
        reason = unreachable_reason(error)
        if reason is not None:
            outages.noticed(DATABASE, reason)
        return {"status": "error", "detail": reason or type(error).__name__}
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


def rate_limit_state() -> dict[str, Any]:
    if not current_app.config["RATELIMIT_ENABLED"]:
        return {"status": "ok", "storage": "off"}
    storage = limiter.storage
    if not isinstance(storage, FallbackStorage):
        return {"status": "ok", "storage": "memory"}
    if storage.check():
        return {"status": "ok", "storage": REDIS}
    reason = outages.of(current_app).down().get(REDIS, "no answer")
    return {"status": "error", "detail": reason, "counting": "in each process's memory"}


# The names /healthz gives what is down, for each check.
DEPENDENCIES = {
    "database": DATABASE,
    "search": "search",
    "storage": "storage",
    "rate_limits": REDIS,
}
ESSENTIAL = ("database", "search", "storage")


def report() -> tuple[dict[str, Any], bool]:
    database = database_state()
    if database["status"] != "ok" and current_app.config["SEARCH_BACKEND"] == "postgres":
        # The search tables are in the database: asking would only wait for it once more.
        search: dict[str, Any] = {"status": "error", "detail": "the database is unreachable"}
    else:
        search = search_state()
    checks = {
        "database": database,
        "search": search,
        "storage": storage_state(),
        "rate_limits": rate_limit_state(),
    }
    down = [DEPENDENCIES[name] for name, check in checks.items() if check["status"] != "ok"]
    healthy = all(checks[name]["status"] == "ok" for name in ESSENTIAL)
    status = "error" if not healthy else "degraded" if down else "ok"
    return {"status": status, "down": down, **checks}, healthy
