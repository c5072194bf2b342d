"""The users pages: find a person, see their account, and act on it."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.admin import bp, people
from marketplace.admin.access import admin_required, moderator_required
from marketplace.admin.forms import ActionForm
from marketplace.admin.user_forms import RoleForm, SuspendForm
from marketplace.core.clock import utcnow
from marketplace.errors import MarketplaceError
from marketplace.models import Role, User
from marketplace.web.forms import attach_error
from marketplace.web.labels import label
from marketplace.web.pages import Page

# Where a decision about a person can be read, once the moderation pages offer it.
DECISION_ENDPOINT = "moderation.statement"


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/users")
@moderator_required
def users() -> Page:
    text = request.args.get("q", "")[:254]
    found = people.find_people(text, _page_number())
    return render_template("admin/users.html", found=found, text=text)


def _render_person(
    user: User, suspend_form: SuspendForm | None = None, role_form: RoleForm | None = None
) -> Page:
    """The person's page; with a refused form, its errors and 422."""
    if role_form is None and current_user.is_admin:
        role_form = RoleForm(formdata=None, role=user.role.value)
    refused = any(form is not None and form.errors for form in (suspend_form, role_form))
    page = render_template(
        "admin/user.html",
        person=people.person(user.id),
        section="admin.users",
        # Moderators see moderators' and admins' accounts, and act on residents' only.
        may_act=current_user.is_admin or not user.is_moderator,
        role_form=role_form,
        suspend_form=suspend_form or SuspendForm(formdata=None),
        action_form=ActionForm(formdata=None),
        decision_link=DECISION_ENDPOINT in current_app.view_functions,
        now=utcnow(),
    )
    return page, 422 if refused else 200


@bp.get("/users/<int:user_id>")
@moderator_required
def user(user_id: int) -> Page:
    return _render_person(_person_or_404(user_id))


def _person_or_404(user_id: int) -> User:
    try:
        return people.get_person(user_id)
    except MarketplaceError:
        abort(404)


def _back_to(user: User) -> Response:
    return redirect(url_for(".user", user_id=user.id))


def _refused(error: MarketplaceError, user: User) -> Response:
    if error.status == 403:
        abort(403)
    flash(str(error.message), "error")
    return _back_to(user)


@bp.post("/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int) -> Page:
    user = _person_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _render_person(user, role_form=form)
    try:
        people.change_role(current_user, user, Role(form.role.data))
    except MarketplaceError as error:
        if error.status == 403:
            abort(403)
        attach_error(form, error, "role")
        return _render_person(user, role_form=form)
    flash(
        _("The role of %(name)s is now: %(role)s.", name=user.display_name, role=label(user.role)),
        "success",
    )
    return _back_to(user)


@bp.post("/users/<int:user_id>/suspend")
@moderator_required
def suspend_user(user_id: int) -> Page:
    user = _person_or_404(user_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _render_person(user, suspend_form=form)
    try:
        people.suspend(
            current_user,
            user,
            people.Suspension(
                form.days, form.ground.data, form.ground_detail.data, form.facts.data
            ),
        )
    except MarketplaceError as error:
        if error.status == 403:
            abort(403)
        attach_error(form, error, "facts")
        return _render_person(user, suspend_form=form)
    flash(
        _(
            "%(name)s is suspended and has been sent the statement of reasons.",
            name=user.display_name,
        ),
        "success",
    )
    return _back_to(user)


@bp.post("/users/<int:user_id>/reinstate")
@moderator_required
def reinstate_user(user_id: int) -> Page:
    user = _person_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        people.reinstate(current_user, user)
    except MarketplaceError as error:
        return _refused(error, user)
    flash(_("%(name)s can sign in again.", name=user.display_name), "success")
    return _back_to(user)


@bp.post("/users/<int:user_id>/sign-out")
@moderator_required
def sign_out_user(user_id: int) -> Page:
    user = _person_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        ended = people.sign_out_everywhere(current_user, user)
    except MarketplaceError as error:
        return _refused(error, user)
    flash(
        ngettext(
            "%(num)d session of %(name)s was ended.",
            "%(num)d sessions of %(name)s were ended.",
            ended,
            name=user.display_name,
        ),
        "success",
    )
    return _back_to(user)
