"""Kera circular-economy material marketplace."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from marketplace.auth import register_auth
from marketplace.cli import register_cli
from marketplace.config import load_config, register_production_rules
from marketplace.extensions import register_extensions
from marketplace.http_errors import register_error_handlers
from marketplace.i18n import register_i18n
from marketplace.inputs import register_inputs
from marketplace.jobs import register_jobs
from marketplace.observability import register_observability
from marketplace.partners import register_partners
from marketplace.payments import register_payments
from marketplace.search import register_search
from marketplace.security import register_security
from marketplace.storage import register_storage
from marketplace.templating import register_templating


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = dict(config or {})
    app = Flask(
        __name__,
        instance_path=settings.pop("INSTANCE_PATH", None) or os.environ.get("INSTANCE_PATH"),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_mapping(load_config(Path(app.instance_path), settings))
    register_production_rules(app)
    register_inputs(app)
    register_observability(app)
    register_extensions(app)
    register_search(app)
    register_storage(app)
    register_security(app)
    register_i18n(app)
    register_auth(app)
    register_payments(app)
    register_blueprints(app)
    register_partners(app)
    register_error_handlers(app)
    register_templating(app)
    register_cli(app)
    register_jobs(app)
    return app


def register_blueprints(app: Flask) -> None:
    from marketplace.alerts import bp as alerts
    from marketplace.api import bp as api
    from marketplace.impact import bp as impact
    from marketplace.impact import open_data_bp as open_data
    from marketplace.listings import bp as listings
    from marketplace.main import bp as main
    from marketplace.media import bp as media
    from marketplace.organisations import bp as organisations
    from marketplace.reservations import bp as reservations
    from marketplace.sites import bp as sites

    for blueprint in (main, organisations, sites, listings, reservations, media, api):
        app.register_blueprint(blueprint)
    for blueprint in (impact, open_data, alerts):
        app.register_blueprint(blueprint)
