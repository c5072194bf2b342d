from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from marketplace.admin import bp, services
from marketplace.admin.access import (
    admin_required,
    guard_blueprint,
    is_admin,
    is_moderator,
    moderator_required,
)
from marketplace.admin.forms import ActionForm
from marketplace.search.backend import SearchUnavailable
from marketplace.web.pages import Page

guard_blueprint(bp)

# The console's sections: endpoint, name, and who may open it. A section is shown once its
# page exists, so that a feature adds its page and the navigation follows.
SECTIONS = (
    ("admin.dashboard", _l("Dashboard"), is_moderator),
    ("admin.moderation", _l("Moderation"), is_moderator),
    ("admin.complaints", _l("Complaints"), is_moderator),
    ("admin.organisations", _l("Organisations"), is_admin),
    ("admin.users", _l("Users"), is_moderator),
    ("admin.audit", _l("Audit trail"), is_admin),
    ("admin.transparency", _l("Transparency report"), is_moderator),
)


@bp.context_processor
def navigation() -> dict[str, Any]:
    if not current_user.is_authenticated:  # error pages under /admin render for anyone
        return {"admin_sections": []}
    return {
        "admin_sections": [
            (endpoint, name)
            for endpoint, name, rule in SECTIONS
            if endpoint in current_app.view_functions and rule(current_user)
        ]
    }


@bp.get("/")
@moderator_required
def dashboard() -> Page:
    # Checking the index reads every searchable listing: only when asked.
    checking = request.args.get("search_check") == "1"
    return render_template(
        "admin/dashboard.html",
        board=services.dashboard(),
        checking=checking,
        search_report=services.check_search_index() if checking else None,
        repair_form=ActionForm(formdata=None) if current_user.is_admin else None,
    )


@bp.post("/search/repair")
@admin_required
def repair_search() -> Page:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        repaired = services.repair_search_index(current_user)
    except SearchUnavailable:
        flash(_("The search index cannot be read just now. Try again in a moment."), "error")
    else:
        flash(
            ngettext(
                "%(num)d listing was re-indexed.", "%(num)d listings were re-indexed.", repaired
            ),
            "success",
        )
    return redirect(url_for(".dashboard", search_check=1))
