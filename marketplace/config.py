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

from flask import Flask

LANGUAGES = ("fi", "sv", "en")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _names(value: str) -> list[str]:
    return [name.strip().lower() for name in value.split(",") if name.strip()]


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


GIVEN_IN_PRODUCTION = (
    "SECRET_KEY",
    "UPLOAD_DIR",
    "RATELIMIT_STORAGE_URI",
    "PUBLIC_BASE_URL",
    "SEARCH_INDEX_DIR",
)


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """What keeps these settings from serving the public (MARKETPLACE_ENV=production)."""
    given = config["SETTINGS_GIVEN"]
    problems = [
        f"{name} must be set: the embedded default suits one machine only"
        for name in ("SECRET_KEY", "UPLOAD_DIR", "RATELIMIT_STORAGE_URI", "PUBLIC_BASE_URL")
        if name not in given
    ]
    if config.get("DEBUG"):
        problems.append("debug mode must be off")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not _flag(
        "ALLOW_SQLITE_IN_PRODUCTION", False
    ):
        problems.append("use PostgreSQL (DATABASE_URL), or set ALLOW_SQLITE_IN_PRODUCTION=1")
    if config.get("SEARCH_BACKEND", "whoosh") == "whoosh" and "SEARCH_INDEX_DIR" not in given:
        problems.append("SEARCH_INDEX_DIR must be a shared directory, or SEARCH_BACKEND=postgres")
    if not str(config["PUBLIC_BASE_URL"]).startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be an https:// address")
    if not config["SESSION_COOKIE_SECURE"]:
        problems.append("SESSION_COOKIE_SECURE must stay on")
    return problems


def register_production_rules(app: Flask) -> None:
    """Refuse to start in production mode with settings meant for a laptop."""
    if app.config["MARKETPLACE_ENV"] != "production":
        return
    problems = production_problems(app.config)
    if problems:
        raise RuntimeError("not starting in production mode: " + "; ".join(problems))


def load_config(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    instance_path.mkdir(parents=True, exist_ok=True)
    debug = _flag("FLASK_DEBUG", False)
    testing = bool(overrides.get("TESTING", False))
    secure_cookies = _flag("SESSION_COOKIE_SECURE", not (debug or testing))
    config: dict[str, Any] = {
        "MARKETPLACE_ENV": os.environ.get("MARKETPLACE_ENV", "embedded"),
        "SETTINGS_GIVEN": frozenset(name for name in GIVEN_IN_PRODUCTION if os.environ.get(name))
        | frozenset(overrides),
        "LOG_JSON": _flag("LOG_JSON", os.environ.get("MARKETPLACE_ENV") == "production"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "JOBS_INTERVAL_SECONDS": _int("JOBS_INTERVAL_SECONDS", 30),
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # PostgreSQL's timeouts (database.engine_options), in seconds. Opening a connection,
        # the ping before each checkout and the rollback of a returned connection may take
        # DATABASE_CONNECT_TIMEOUT (libpq counts at least 2). A statement may run
        # DATABASE_STATEMENT_TIMEOUT (0: no limit; operator commands that rebuild tables have
        # none), and the client then waits DATABASE_CONNECT_TIMEOUT more for the server's error
        # before it takes the server for hung. A request waits DATABASE_POOL_TIMEOUT for a free
        # connection. TCP keepalives find a silent server or network under an idle connection.
        "DATABASE_CONNECT_TIMEOUT": _int("DATABASE_CONNECT_TIMEOUT", 3),
        "DATABASE_STATEMENT_TIMEOUT": float(os.environ.get("DATABASE_STATEMENT_TIMEOUT") or 10),
        "DATABASE_POOL_TIMEOUT": float(os.environ.get("DATABASE_POOL_TIMEOUT") or 5),
        "DATABASE_KEEPALIVES_IDLE": _int("DATABASE_KEEPALIVES_IDLE", 30),
        "DATABASE_KEEPALIVES_INTERVAL": _int("DATABASE_KEEPALIVES_INTERVAL", 10),
        "DATABASE_KEEPALIVES_COUNT": _int("DATABASE_KEEPALIVES_COUNT", 3),
        # Seconds a client is asked to wait (Retry-After) when a dependency is down (503).
        "UNAVAILABLE_RETRY_AFTER": _int("UNAVAILABLE_RETRY_AFTER", 30),
        # While the database is down, a request within this many seconds of the last failure
        # is answered 503 at once; the first one after tries the database again. Without it,
        # requests queued behind workers that wait out a hung server's timeouts would each
        # wait them out too.
        "UNAVAILABLE_RECHECK_SECONDS": float(os.environ.get("UNAVAILABLE_RECHECK_SECONDS") or 1),
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
        # X-Forwarded-Host names the site only when the proxy sets it; off, the Host header does.
        "TRUST_FORWARDED_HOST": _flag("TRUST_FORWARDED_HOST", False),
        # Production answers only PUBLIC_BASE_URL's host and these (e.g. a health check by IP).
        "EXTRA_TRUSTED_HOSTS": _names(os.environ.get("EXTRA_TRUSTED_HOSTS", "")),
        # Bearer token that shows /healthz's details to monitoring; localhost sees them anyway.
        "HEALTHZ_TOKEN": os.environ.get("HEALTHZ_TOKEN", ""),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Seconds Redis has to connect and to answer before counts move to each process's
        # memory (core.rate_limits) until it answers again.
        "RATELIMIT_STORAGE_TIMEOUT": float(os.environ.get("RATELIMIT_STORAGE_TIMEOUT") or 1),
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
        # Stripe keeps a Checkout Session open for at least 30 minutes.
        "RESERVATIONS_PAYMENT_HOLD_MINUTES": _int("RESERVATIONS_PAYMENT_HOLD_MINUTES", 30),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_CHECKOUT_ORIGIN": os.environ.get(
            "STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com"
        ),
        "STRIPE_PLATFORM_FEE_PERCENT": _int("STRIPE_PLATFORM_FEE_PERCENT", 5),
        # whoosh: an index on disk (one server); postgres: the database's full-text search.
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "whoosh").strip().lower() or "whoosh",
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
        # Longest period one handover export covers (about five years).
        "IMPACT_EXPORT_MAX_DAYS": _int("IMPACT_EXPORT_MAX_DAYS", 1830),
        # Seconds browsers and proxies may keep an open-data feed.
        "IMPACT_OPEN_DATA_MAX_AGE": _int("IMPACT_OPEN_DATA_MAX_AGE", 900),
        # Wanted ads match offers picked up within this distance of the wanted ad's place.
        "MATCHING_RADIUS_KM": float(os.environ.get("MATCHING_RADIUS_KM") or 25),
        # The job matches listings changed this recently, in case an after-commit match was lost.
        "MATCHING_CATCH_UP_MINUTES": _int("MATCHING_CATCH_UP_MINUTES", 60),
        # thread, inline or job, as NOTIFICATIONS_DELIVERY; empty follows NOTIFICATIONS_DELIVERY.
        "ALERTS_DELIVERY": os.environ.get("ALERTS_DELIVERY", ""),
        "ALERTS_MAX_PER_USER": _int("ALERTS_MAX_PER_USER", 25),
        # Partner API: per-key rate limit, body size and batch size.
        "API_RATELIMIT_PER_KEY": os.environ.get("API_RATELIMIT_PER_KEY", "600/minute;20000/hour"),
        "API_MAX_BODY_BYTES": _int("API_MAX_BODY_BYTES", 10 * 1024 * 1024),
        "API_BATCH_MAX_ITEMS": _int("API_BATCH_MAX_ITEMS", 1000),
        # Feeds, photos and webhooks may reach private and loopback addresses (tests, intranets).
        "PARTNERS_ALLOW_PRIVATE_URLS": _flag("PARTNERS_ALLOW_PRIVATE_URLS", False),
        "PARTNERS_FETCH_TIMEOUT": float(os.environ.get("PARTNERS_FETCH_TIMEOUT") or 15),
        "PARTNERS_IDEMPOTENCY_HOURS": _int("PARTNERS_IDEMPOTENCY_HOURS", 24),
        # Seconds a repeated request waits for the first copy of it to finish.
        "PARTNERS_IDEMPOTENCY_WAIT": float(os.environ.get("PARTNERS_IDEMPOTENCY_WAIT") or 10),
        # thread: sent by a background thread after commit; inline: before the request returns;
        # job: only by `flask partners deliver-webhooks`.
        "WEBHOOKS_DELIVERY": os.environ.get("WEBHOOKS_DELIVERY", "thread"),
        "WEBHOOKS_TIMEOUT": float(os.environ.get("WEBHOOKS_TIMEOUT") or 10),
        # Seconds a sender holds an outbox entry (e-mail, webhook) while sending it. Its process
        # renews the hold as it works; a sender that died lets the entry go after this long.
        "OUTBOX_LEASE_SECONDS": float(os.environ.get("OUTBOX_LEASE_SECONDS") or 30),
        "FEEDS_MAX_BYTES": _int("FEEDS_MAX_BYTES", 50 * 1024 * 1024),
        "FEEDS_TIMEOUT": float(os.environ.get("FEEDS_TIMEOUT") or 60),
        "FEEDS_MAX_ITEMS": _int("FEEDS_MAX_ITEMS", 50000),
        # Moderation: listings held for review before they go public.
        "MODERATION_HOLD_HAZARDOUS": _flag("MODERATION_HOLD_HAZARDOUS", True),
        # Listings of accounts younger than this many days wait for review; 0 holds none.
        "MODERATION_HOLD_NEW_ACCOUNTS_DAYS": _int("MODERATION_HOLD_NEW_ACCOUNTS_DAYS", 0),
        # Notices (reports) one address may send, so that a flood cannot bury the queue.
        "NOTICES_PER_IP": os.environ.get("NOTICES_PER_IP", "5/hour;20/day"),
        "RETENTION_SIGN_IN_DAYS": _int("RETENTION_SIGN_IN_DAYS", 90),
        "RETENTION_NOTIFICATION_EMAIL_DAYS": _int("RETENTION_NOTIFICATION_EMAIL_DAYS", 180),
        # The terms of use in force; accepting them records this version on the account.
        "TERMS_VERSION": os.environ.get("TERMS_VERSION", "2026-12"),
    }
    config.update(overrides)
    return config
