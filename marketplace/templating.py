"""What every template can use."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import get_locale

from marketplace.forms import LANGUAGE_CHOICES
from marketplace.labels import label


def _globals() -> dict[str, Any]:
    return {
        "language_choices": LANGUAGE_CHOICES,
        "current_language": str(get_locale() or "fi"),
        "current_path": request.full_path.rstrip("?"),
    }


def register_templating(app: Flask) -> None:
    app.context_processor(_globals)
    app.add_template_filter(label, "label")
