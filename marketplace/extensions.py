"""Flask extensions, created unbound and bound to an application in create_app."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from flask import Flask, g, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session as SASession

from marketplace.database import (
    Base,
    ScaledDecimal,
    UTCDateTime,
    configure_sqlite,
    install_session_hooks,
    intend_writes,
    restore_intent,
)

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register_extensions(app: Flask) -> None:
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
