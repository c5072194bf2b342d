"""What every template can use."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import get_locale

from marketplace.forms import LANGUAGE_CHOICES
from marketplace.labels import label
from marketplace.listings import presentation
from marketplace.money import format_euros


def _globals() -> dict[str, Any]:
    return {
        "language_choices": LANGUAGE_CHOICES,
        "current_language": str(get_locale() or "fi"),
        "current_path": request.full_path.rstrip("?"),
    }


def register_templating(app: Flask) -> None:
    app.context_processor(_globals)
    app.add_template_filter(label, "label")
    app.add_template_filter(format_euros, "euros")
    app.add_template_filter(presentation.number, "number")
    app.add_template_global(presentation.quantity, "quantity")
    app.add_template_global(presentation.price, "listing_price")
    app.add_template_global(presentation.category_name, "category_name")
    app.add_template_global(presentation.photo_url, "photo_url")
    app.add_template_global(presentation.photo_srcset, "photo_srcset")
    app.add_template_global(presentation.cover, "cover_photo")
