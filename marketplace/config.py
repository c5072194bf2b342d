"""Settings read from environment variables, with defaults that are safe for the embedded mode.

Embedded mode keeps everything under the instance folder: the SQLite database, the search index,
uploaded photos and a generated secret key. Production sets DATABASE_URL, SECRET_KEY and friends.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

LANGUAGES = ("fi", "sv", "en")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'marketplace.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(instance_path: Path) -> str:
    configured = os.environ.get("SECRET_KEY")
    if configured:
        return configured
    # Embedded mode: a random key kept beside the database, so sessions survive restarts
    # without anyone ever committing or sharing a key.
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    instance_path.mkdir(parents=True, exist_ok=True)
    debug = _flag("FLASK_DEBUG", False)
    testing = bool(overrides.get("TESTING", False))
    secure_cookies = _flag("SESSION_COOKIE_SECURE", not (debug or testing))
    config: dict[str, Any] = {
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 40 * 1024 * 1024),
        "SESSION_COOKIE_NAME": "kera_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_NAME": "kera_remember",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int("REMEMBER_COOKIE_DAYS", 30)),
        "AUTH_SIGN_IN_HOURS": _int("AUTH_SIGN_IN_HOURS", 12),
        "AUTH_PASSWORD_RESET_MAX_AGE": _int("AUTH_PASSWORD_RESET_MAX_AGE", 3600),
        "AUTH_PASSWORD_MIN_LENGTH": 12,
        "AUTH_ARGON2_TIME_COST": _int("AUTH_ARGON2_TIME_COST", 3),
        "AUTH_ARGON2_MEMORY_KIB": _int("AUTH_ARGON2_MEMORY_KIB", 65536),
        "HSTS_ENABLED": _flag("HSTS_ENABLED", not (debug or testing)),
        "FORCE_HTTPS": _flag("FORCE_HTTPS", False),
        "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 0),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_LOGIN_PER_IP": os.environ.get("RATELIMIT_LOGIN_PER_IP", "20/minute;200/day"),
        "RATELIMIT_LOGIN_PER_ACCOUNT": os.environ.get(
            "RATELIMIT_LOGIN_PER_ACCOUNT", "5/minute;20/hour"
        ),
        "RATELIMIT_LOGIN_PER_ACCOUNT_ANYWHERE": os.environ.get(
            "RATELIMIT_LOGIN_PER_ACCOUNT_ANYWHERE", "100/hour"
        ),
        "RATELIMIT_RESET_PER_IP": os.environ.get("RATELIMIT_RESET_PER_IP", "5/minute;50/day"),
        "RATELIMIT_RESET_PER_ACCOUNT": os.environ.get("RATELIMIT_RESET_PER_ACCOUNT", "3/hour"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", False),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Kera Marketplace <no-reply@kera.example>"
        ),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": os.environ.get("BABEL_DEFAULT_LOCALE", "fi"),
        "BABEL_DEFAULT_TIMEZONE": "Europe/Helsinki",
        # thread: sent by a background thread after commit; inline: sent before the request
        # returns; job: only by `flask notifications send`.
        "NOTIFICATIONS_DELIVERY": os.environ.get("NOTIFICATIONS_DELIVERY", "thread"),
        "RESERVATIONS_RESPOND_HOURS": _int("RESERVATIONS_RESPOND_HOURS", 48),
        "RESERVATIONS_PICKUP_WINDOW_HOURS": _int("RESERVATIONS_PICKUP_WINDOW_HOURS", 4),
        "RESERVATIONS_REMIND_HOURS": _int("RESERVATIONS_REMIND_HOURS", 12),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR", str(instance_path / "search-index")),
        # Seconds a request waits, after its commit, for the index to take the change.
        "SEARCH_SYNC_WAIT": float(os.environ.get("SEARCH_SYNC_WAIT") or 2),
        # Seconds the index writer waits for another process's write lock before retrying.
        "SEARCH_LOCK_TIMEOUT": float(os.environ.get("SEARCH_LOCK_TIMEOUT") or 10),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(instance_path / "uploads")),
        "MAP_TILE_URL": os.environ.get(
            "MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        ),
        "MAP_TILE_ATTRIBUTION": os.environ.get(
            "MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors"
        ),
    }
    config.update(overrides)
    return config
