from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import MarketplaceError
from marketplace.models import MemberRole, Membership, OrganisationKind
from marketplace.organisations import bp, services, verification
from marketplace.organisations.forms import (
    AddMemberForm,
    MemberRoleForm,
    OrganisationEditForm,
    OrganisationForm,
    TraderDetailsForm,
)
from marketplace.web.forms import attach_error, status_for
from marketplace.web.page_parts import parts_of
from marketplace.web.pages import Page, signed_in_only

signed_in_only(bp)


@bp.get("/")
def index() -> Page:
    return render_template(
        "organisations/index.html", memberships=services.memberships_of(current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
def create() -> Page:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(
                current_user,
                form.name.data,
                OrganisationKind(form.kind.data),
                form.business_id.data,
            )
        except MarketplaceError as error:
            attach_error(form, error, "business_id")
        else:
            flash(
                _("%(name)s has been created. You are its owner.", name=organisation.name),
                "success",
            )
            return redirect(url_for(".detail", organisation_id=organisation.id))
    return render_template("organisations/new.html", form=form), status_for(form)


def _role_form(member: Membership) -> MemberRoleForm:
    return MemberRoleForm(prefix=f"member-{member.user_id}", role=member.role.value)


def _render_detail(
    membership: Membership, add_form: AddMemberForm | None = None, status: int = 200
) -> Page:
    organisation = membership.organisation
    members = services.members(organisation)
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        membership=membership,
        is_owner=membership.role == MemberRole.OWNER,
        members=members,
        role_forms={m.user_id: _role_form(m) for m in members},
        add_form=add_form or AddMemberForm(formdata=None),
        **parts_of("organisations/detail.html", organisation),
    ), status


@bp.get("/<int:organisation_id>")
def detail(organisation_id: int) -> Page:
    return _render_detail(services.require_membership(organisation_id, current_user))


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
def edit(organisation_id: int) -> Page:
    membership = services.require_owner(organisation_id, current_user)
    organisation = membership.organisation
    form = OrganisationEditForm(obj=organisation)
    if form.validate_on_submit():
        services.update_organisation(
            organisation, current_user, form.name.data, OrganisationKind(form.kind.data)
        )
        flash(_("The organisation's details have been saved."), "success")
        return redirect(url_for(".detail", organisation_id=organisation.id))
    return render_template(
        "organisations/edit.html", form=form, organisation=organisation
    ), status_for(form)


@bp.route("/<int:organisation_id>/verification", methods=["GET", "POST"], endpoint="verification")
def verification_page(organisation_id: int) -> Page:
    """Members see where the verification stands; owners give the trader's details."""
    membership = services.require_membership(organisation_id, current_user)
    organisation = membership.organisation
    is_owner = membership.role == MemberRole.OWNER
    if request.method == "POST" and not is_owner:
        services.require_owner(organisation_id, current_user)
    form = TraderDetailsForm(obj=organisation)
    if is_owner and form.validate_on_submit():
        details = verification.TraderDetails(
            **{name: form[name].data or "" for name in verification.LIMITS}
        )
        try:
            verification.submit(organisation, current_user, details, certified=form.certify.data)
        except MarketplaceError as error:
            attach_error(form, error, "street_address")
        else:
            flash(_("The trader details have been saved."), "success")
            return redirect(url_for(".verification", organisation_id=organisation.id))
    return render_template(
        "organisations/verification.html",
        organisation=organisation,
        is_owner=is_owner,
        form=form if is_owner else None,
    ), status_for(form)


@bp.post("/<int:organisation_id>/members")
def add_member(organisation_id: int) -> Page:
    membership = services.require_owner(organisation_id, current_user)
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            added = services.add_member(
                membership.organisation, current_user, form.email.data, MemberRole(form.role.data)
            )
        except MarketplaceError as error:
            attach_error(form, error, "email")
        else:
            flash(_("%(name)s is now a member.", name=added.user.display_name), "success")
            return redirect(url_for(".detail", organisation_id=organisation_id))
    return _render_detail(membership, add_form=form, status=422)


@bp.post("/<int:organisation_id>/members/<int:user_id>/role")
def change_role(organisation_id: int, user_id: int) -> Page:
    membership = services.require_owner(organisation_id, current_user)
    form = MemberRoleForm(prefix=f"member-{user_id}")
    if form.validate_on_submit():
        try:
            services.change_member_role(
                membership.organisation, current_user, user_id, MemberRole(form.role.data)
            )
        except MarketplaceError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The role has been changed."), "success")
    else:
        flash(_("Choose a role from the list."), "error")
    return redirect(url_for(".detail", organisation_id=organisation_id))


@bp.post("/<int:organisation_id>/members/<int:user_id>/remove")
def remove_member(organisation_id: int, user_id: int) -> Page:
    membership = services.require_membership(organisation_id, current_user)
    try:
        services.remove_member(membership.organisation, current_user, user_id)
    except MarketplaceError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
        return redirect(url_for(".detail", organisation_id=organisation_id))
    if user_id == current_user.id:
        flash(_("You have left the organisation."), "info")
        return redirect(url_for(".index"))
    flash(_("The member has been removed."), "success")
    return redirect(url_for(".detail", organisation_id=organisation_id))
