"""Flask extensions, created unbound and bound to an application in create_app."""

from __future__ import annotations

import logging
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import flask_limiter
import sqlalchemy as sa
from flask import Flask, g, request
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage
from limits.strategies import STRATEGIES
from sqlalchemy.orm import Session as SASession

from marketplace.core import outages
from marketplace.core.outages import DATABASE
from marketplace.core.rate_limits import FallbackStorage
from marketplace.database import (
    Base,
    ScaledDecimal,
    Timeouts,
    UTCDateTime,
    configure_postgresql,
    configure_sqlite,
    engine_options,
    install_session_hooks,
    intend_writes,
    restore_intent,
    unreachable_reason,
    watch_outages,
)

logger = logging.getLogger(__name__)


class SQLAlchemyExtension(SQLAlchemy):
    """Flask-SQLAlchemy, whose end-of-request cleanup never turns an answer into an error."""

    def _teardown_session(self, exc: BaseException | None) -> None:
        # By now the answer is made. The rollback that closing the session does fails when the
        # connection was lost meanwhile; that must not replace a finished page with an error.
        try:
            self.session.remove()
        except sa.exc.SQLAlchemyError as error:
            with suppress(sa.exc.SQLAlchemyError):
                self.session.registry().invalidate()  # its connections go, without a rollback
            self.session.registry.clear()
            reason = unreachable_reason(error)
            if reason is not None:
                outages.noticed(DATABASE, reason)
            else:
                logger.warning("closing the database session failed: %s", error)


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, whose counts move to the process's memory while their storage (Redis)
    cannot be reached, so that no sign-in or API call fails for want of a counter."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        storage = self._storage
        if self.enabled and storage is not None and not isinstance(storage, MemoryStorage):
            self._storage = FallbackStorage(storage, outages.of(app))
            self._limiter = STRATEGIES[str(self._strategy)](self._storage)


db = SQLAlchemyExtension(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REDIS_SCHEMES = frozenset({"redis", "rediss", "redis+unix"})


def limiter_storage_options(config: dict[str, Any]) -> dict[str, Any]:
    """Redis's socket timeouts: a Redis that hangs costs a request a moment, not its worker."""
    options = dict(config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if urlsplit(str(config["RATELIMIT_STORAGE_URI"])).scheme in REDIS_SCHEMES:
        timeout = float(config["RATELIMIT_STORAGE_TIMEOUT"])
        options.setdefault("socket_timeout", timeout)
        options.setdefault("socket_connect_timeout", timeout)
    return options


def register_extensions(app: Flask) -> None:
    tracker = outages.register_outages(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    app.config["RATELIMIT_STORAGE_OPTIONS"] = limiter_storage_options(app.config)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        compare_type=True,
        render_as_batch=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine, Timeouts.from_config(app.config))
        watch_outages(db.engine, tracker)
    install_session_hooks(SASession)

    @app.before_request
    def declare_write_intent() -> None:
        # Safe methods never write, so their SQLite transactions need not queue for the lock.
        view = app.view_functions.get(request.endpoint or "")
        writes = request.method not in SAFE_METHODS or getattr(view, "writes_on_get", False)
        g.write_intent_marker = intend_writes(writes)

    @app.teardown_request
    def restore_write_intent(_error: BaseException | None) -> None:
        marker = g.pop("write_intent_marker", None)
        if marker is not None:
            restore_intent(marker)


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Alembic would write custom column types by their import path; write the plain type."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, ScaledDecimal):
        return "sa.BigInteger()"
    return False
