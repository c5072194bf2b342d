"""The privacy notice and terms pages, accepting the terms, and a person's own data: its
download and the deletion of the account. Only the signed-in person reaches their own data:
no address names anyone else's."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from marketplace.core.clock import today_in_finland
from marketplace.errors import MarketplaceError
from marketplace.privacy import bp, deletion, export, terms
from marketplace.privacy.forms import AcceptTermsForm, DeleteAccountForm
from marketplace.web.forms import attach_error, status_for
from marketplace.web.i18n import SESSION_KEY
from marketplace.web.links import safe_redirect_target
from marketplace.web.pages import Page

# The operator the privacy notice names as the controller (a placeholder until the city
# names the operator) and where people reach it.
CONTROLLER = "Kera Marketplace operator"
CONTACT_EMAIL = "tietosuoja@kera.example"


def _document(name: str) -> str:
    """The legal texts are written whole in each language, not assembled from translated
    sentences: `templates/privacy/<name>/<language>.html`."""
    language = str(get_locale() or "fi")
    if language not in current_app.config["LANGUAGES"]:
        language = "fi"
    return f"privacy/{name}/{language}.html"


def _facts() -> dict[str, Any]:
    config = current_app.config
    return {
        "controller": CONTROLLER,
        "contact_email": CONTACT_EMAIL,
        "terms_version": config["TERMS_VERSION"],
        "sign_in_days": config["RETENTION_SIGN_IN_DAYS"],
        "notification_days": config["RETENTION_NOTIFICATION_EMAIL_DAYS"],
        "idempotency_hours": config["PARTNERS_IDEMPOTENCY_HOURS"],
        "session_hours": config["AUTH_SIGN_IN_HOURS"],
        "remember_days": config["REMEMBER_COOKIE_DURATION"].days,
    }


@bp.get("/privacy")
def notice() -> Page:
    return render_template("privacy/notice.html", document=_document("notice"), **_facts())


@bp.get("/terms", endpoint="terms")
def terms_of_use() -> Page:
    return render_template("privacy/terms.html", document=_document("terms"), **_facts())


@bp.route("/terms/accept", methods=["GET", "POST"])
@login_required
def accept_terms() -> Page:
    going_to = safe_redirect_target(request.values.get("next"), url_for("main.home"))
    if not terms.needs_acceptance(current_user):
        return redirect(going_to)
    form = AcceptTermsForm(next=going_to)
    if form.validate_on_submit():
        terms.accept(current_user)
        flash(_("Thank you. You have accepted the terms of use."), "success")
        return redirect(going_to)
    return render_template(
        "privacy/accept_terms.html",
        form=form,
        first_time=current_user.terms_version is None,
        **_facts(),
    ), status_for(form)


def _download(body: str, mimetype: str, extension: str) -> Response:
    name = f"kera-marketplace-data-{today_in_finland().isoformat()}.{extension}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/data.json")
@login_required
def export_json() -> Response:
    data = export.collect(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str)
    return _download(body, "application/json", "json")


@bp.get("/account/data.html")
@login_required
def export_summary() -> Response:
    data = export.collect(current_user)
    body = render_template("privacy/export.html", data=data, title_of=export.title_of)
    return _download(body, "text/html", "html")


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> Page:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.delete_account(current_user, form.password.data)
        except MarketplaceError as error:
            attach_error(form, error, "password")
        else:
            language = session.get(SESSION_KEY)
            logout_user()
            session.clear()
            if language:
                session[SESSION_KEY] = language
            flash(_("Your account has been deleted. Thank you for using Kera Marketplace."), "info")
            return redirect(url_for("main.home"))
    return render_template(
        "privacy/delete.html", form=form, preview=deletion.preview(current_user)
    ), status_for(form)
