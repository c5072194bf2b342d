"""The audit trail page: admins only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from marketplace.admin import audit_trail, bp
from marketplace.admin.access import admin_required
from marketplace.models import AuditEvent
from marketplace.web.pages import Page

# The page each kind of object has, and the name its id takes there; an object without one
# (or whose page is not built) is shown unlinked.
OBJECT_PAGES = {
    "user": ("admin.user", "user_id"),
    "listing": ("listings.detail", "listing_id"),
    "organisation": ("admin.organisation", "organisation_id"),
    "decision": ("moderation.statement", "decision_id"),
}


def object_link(event: AuditEvent) -> str | None:
    page = OBJECT_PAGES.get(event.object_type)
    if page is None or event.object_id is None or page[0] not in current_app.view_functions:
        return None
    endpoint, name = page
    values: dict[str, Any] = {name: event.object_id}
    return url_for(endpoint, **values)


def _object_id() -> int | None:
    value = request.args.get("object_id", "").strip()
    return int(value) if value.isdigit() and len(value) <= 10 else None


@bp.get("/audit")
@admin_required
def audit() -> Page:
    narrowed = audit_trail.TrailFilter(
        object_type=request.args.get("object_type", "")[:40],
        object_id=_object_id(),
        actor=request.args.get("actor", "")[:254],
    )
    page = request.args.get("page", 1, type=int) or 1
    return render_template(
        "admin/audit.html",
        found=audit_trail.events(current_user, narrowed, page),
        narrowed=narrowed,
        # What the links to other pages keep.
        filters={name: value for name, value in asdict(narrowed).items() if value},
        object_types=audit_trail.object_types(),
        object_link=object_link,
        describe=audit_trail.describe,
    )
