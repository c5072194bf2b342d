"""Kera circular-economy material marketplace."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from marketplace import (
    admin,
    alerts,
    api,
    auth,
    impact,
    listings,
    main,
    moderation,
    organisations,
    partners,
    payments,
    privacy,
    reservations,
    sites,
)
from marketplace.auth import register_auth
from marketplace.cli import register_cli
from marketplace.config import load_config, register_production_rules
from marketplace.core.inputs import register_inputs
from marketplace.core.storage import register_storage
from marketplace.extensions import register_extensions
from marketplace.ops.jobs import register_jobs
from marketplace.partners import register_partners
from marketplace.payments import register_payments
from marketplace.reservations import register_reservations
from marketplace.search import register_search
from marketplace.web import media
from marketplace.web.error_responses import register_error_handlers
from marketplace.web.i18n import register_i18n
from marketplace.web.observability import register_observability
from marketplace.web.security import register_security
from marketplace.web.templating import register_templating

# Every page and endpoint of the product: one blueprint per feature (impact also serves the
# open data), and the stored files. Setup that is not a blueprint is in the register_* calls.
BLUEPRINTS = (
    auth.bp,
    payments.bp,
    main.bp,
    organisations.bp,
    sites.bp,
    listings.bp,
    reservations.bp,
    media.bp,
    api.bp,
    impact.bp,
    impact.open_data_bp,
    alerts.bp,
    partners.bp,
    moderation.bp,
    admin.bp,
    privacy.bp,
)


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
    register_reservations(app)
    register_blueprints(app)
    register_partners(app)
    register_error_handlers(app)
    register_templating(app)
    register_cli(app)
    register_jobs(app)
    return app


def register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
