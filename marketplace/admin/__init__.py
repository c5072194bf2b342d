"""The admin console: what needs a person now, what is unhealthy, and the pages of moderators
and admins. Every page needs at least a
moderator (access.guard_blueprint)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from marketplace.admin import (  # noqa: E402, F401
    audit_routes,
    complaint_routes,
    moderation_routes,
    organisation_routes,
    routes,
    transparency_routes,
    user_routes,
)
