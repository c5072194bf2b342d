"""Notice and action under the Digital Services Act: reporting content (Art. 16), statements
of reasons (Art. 17) and complaints (Art. 20) as the people concerned see them. The queue,
the decisions and the transparency report are the admin console's (`admin`)."""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

from marketplace.moderation import presentation, routes  # noqa: E402, F401

bp.add_app_template_global(presentation.moderation_label, "moderation_label")
bp.add_app_template_global(presentation.ground_label, "ground_label")
