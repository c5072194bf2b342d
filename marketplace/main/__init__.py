"""The home page, the language switcher, the notifications page, the accessibility statement
and the health check; and what the frame of every page shows of notifications."""

from typing import Any

from flask import Blueprint, has_request_context
from flask_login import current_user

from marketplace.mail import notifications

bp = Blueprint("main", __name__)

bp.add_app_template_global(notifications.text_of, "notification_text")
bp.add_app_template_global(notifications.amount_text, "amount_text")
bp.add_app_template_global(notifications.moment_text, "moment_text")


@bp.app_context_processor
def unread_notifications() -> dict[str, Any]:
    if not has_request_context():  # e-mails rendered by jobs
        return {}
    signed_in = current_user.is_authenticated
    return {"unread_notifications": notifications.unread_count(current_user) if signed_in else 0}


from marketplace.main import routes  # noqa: E402, F401
