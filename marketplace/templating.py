"""What every template can use."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from marketplace import notifications, places
from marketplace.forms import LANGUAGE_CHOICES
from marketplace.labels import label
from marketplace.listings import presentation
from marketplace.money import format_euros
from marketplace.payments import services as payment_services


def _globals() -> dict[str, Any]:
    values: dict[str, Any] = {
        "language_choices": LANGUAGE_CHOICES,
        "current_language": str(get_locale() or "fi"),
    }
    if not has_request_context():  # e-mails rendered by jobs
        return values
    signed_in = current_user.is_authenticated
    return {
        **values,
        "unread_notifications": notifications.unread_count(current_user) if signed_in else 0,
        # With the script root, so that a return to this page keeps a deployment's path prefix.
        "current_path": request.script_root + request.full_path.rstrip("?"),
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
    app.add_template_global(notifications.text_of, "notification_text")
    app.add_template_global(notifications.amount_text, "amount_text")
    app.add_template_global(notifications.moment_text, "moment_text")
    app.add_template_global(payment_services.enabled, "payments_enabled")
    app.add_template_global(places.public_place, "public_place")
