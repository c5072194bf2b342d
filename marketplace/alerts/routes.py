"""Saved searches: save one from the search page, list, edit and delete them, and the
unsubscribe link of their e-mails."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from marketplace.alerts import bp, describe, services
from marketplace.alerts.forms import FREQUENCY_LABELS, NewSavedSearchForm, SavedSearchForm
from marketplace.errors import MarketplaceError
from marketplace.extensions import csrf
from marketplace.models import AlertFrequency
from marketplace.web.forms import attach_error, status_for
from marketplace.web.pages import Page

MAX_QUERY = 2000


def _args_of(query_string: str) -> MultiDict[str, str]:
    return MultiDict(parse_qsl(query_string[:MAX_QUERY], keep_blank_values=False))


@bp.get("/")
@login_required
def index() -> Page:
    saved = services.saved_searches_of(current_user)
    return render_template(
        "alerts/index.html",
        saved=saved,
        describe=describe.summary,
        frequency_labels=FREQUENCY_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Page:
    form = NewSavedSearchForm()
    if request.method == "GET":
        args = services.canonical_query(request.args)
        form.query.data = urlencode(args)
        form.name.data = describe.default_name(args)
    sent = _args_of(form.query.data or "")
    args = services.canonical_query(sent)
    if form.validate_on_submit():
        try:
            services.create_saved_search(
                current_user,
                sent,
                form.name.data,
                AlertFrequency(form.frequency.data),
                bool(form.by_email.data),
            )
        except MarketplaceError as error:
            attach_error(form, error, "name")
        else:
            flash(_("The search is saved. You will hear of new listings that it finds."), "success")
            return redirect(url_for(".index"))
    return render_template(
        "alerts/form.html", form=form, summary=describe.summary(args), args=args, saved=None
    ), status_for(form)


@bp.route("/<int:saved_search_id>/edit", methods=["GET", "POST"])
@login_required
def edit(saved_search_id: int) -> Page:
    saved = services.get_own(saved_search_id, current_user)
    form = SavedSearchForm(obj=saved)
    if request.method == "GET":
        form.frequency.data = saved.frequency.value
    if form.validate_on_submit():
        try:
            services.update_saved_search(
                saved,
                current_user,
                form.name.data,
                AlertFrequency(form.frequency.data),
                bool(form.by_email.data),
            )
        except MarketplaceError as error:
            attach_error(form, error, "name")
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for(".index"))
    return render_template(
        "alerts/form.html",
        form=form,
        summary=describe.summary(saved.query),
        args=saved.query,
        saved=saved,
    ), status_for(form)


@bp.post("/<int:saved_search_id>/delete")
@login_required
def delete(saved_search_id: int) -> Page:
    saved = services.get_own(saved_search_id, current_user)
    services.delete_saved_search(saved, current_user)
    flash(_("The saved search is deleted."), "success")
    return redirect(url_for(".index"))


# The signed token is the credential, so there is no CSRF token to check: a mail client's
# one-click POST (RFC 8058) carries none. The GET only shows a page with a button.
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> Page:
    if request.method == "GET":
        saved = services.saved_search_for(token)
        return render_template("alerts/unsubscribe.html", saved=saved, token=token, done=False)
    saved = services.unsubscribe(token)
    if request.form.get("List-Unsubscribe") == "One-Click":
        return _("You will no longer get e-mails about this saved search."), 200
    return render_template("alerts/unsubscribe.html", saved=saved, token=token, done=True)
