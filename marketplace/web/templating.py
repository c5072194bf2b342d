"""What every template can use. A feature's own template helpers (a listing's price, whether
payment is online) are declared on its blueprint, next to the feature."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import get_locale

from marketplace.core.money import format_euros
from marketplace.web.forms import LANGUAGE_CHOICES
from marketplace.web.labels import label, number, quantity


def _globals() -> dict[str, Any]:
    values: dict[str, Any] = {
        "language_choices": LANGUAGE_CHOICES,
        "current_language": str(get_locale() or "fi"),
    }
    if not has_request_context():  # e-mails rendered by jobs
        return values
    # With the script root, so that a return to this page keeps a deployment's path prefix.
    return {**values, "current_path": request.script_root + request.full_path.rstrip("?")}


def register_templating(app: Flask) -> None:
    app.context_processor(_globals)
    app.add_template_filter(label, "label")
    app.add_template_filter(format_euros, "euros")
    app.add_template_filter(number, "number")
    app.add_template_global(quantity, "quantity")
