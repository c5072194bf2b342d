from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from marketplace.errors import Conflict, MarketplaceError
from marketplace.models import Organisation, Site
from marketplace.organisations import services as organisation_services
from marketplace.sites import bp, services
from marketplace.sites.forms import SiteForm
from marketplace.web.forms import attach_error, status_for
from marketplace.web.page_parts import add_part
from marketplace.web.pages import Page, signed_in_only

signed_in_only(bp)


def _on_organisation_page(organisation: Organisation) -> dict[str, object]:
    return {"sites": services.sites_of_organisation(organisation)}


add_part(bp, "organisations/detail.html", _on_organisation_page)


@bp.get("/")
def index() -> Page:
    return render_template(
        "sites/index.html",
        personal_sites=services.sites_of_user(current_user),
        memberships=organisation_services.memberships_of(current_user),
        sites_of_organisation=services.sites_of_organisation,
    )


def _owner_choices() -> list[SelectChoice]:
    personal = [SelectChoice("", _("Me, personally"))]
    return personal + [
        SelectChoice(str(m.organisation_id), m.organisation.name)
        for m in organisation_services.memberships_of(current_user)
    ]


@bp.route("/new", methods=["GET", "POST"])
def create() -> Page:
    form = SiteForm(owner=request.args.get("organisation", ""))
    form.owner.choices = _owner_choices()
    if form.validate_on_submit():
        organisation = (
            organisation_services.get_organisation(int(form.owner.data))
            if form.owner.data
            else None
        )
        try:
            site = services.create_site(current_user, form.details(), organisation)
        except MarketplaceError as error:
            attach_error(form, error, "name")
        else:
            flash(_("The site %(name)s has been added.", name=site.name), "success")
            return redirect(_back_to(site))
    return render_template("sites/form.html", form=form, site=None), status_for(form)


def _back_to(site: Site) -> str:
    if site.organisation_id:
        return url_for("organisations.detail", organisation_id=site.organisation_id)
    return url_for(".index")


@bp.route("/<int:site_id>/edit", methods=["GET", "POST"])
def edit(site_id: int) -> Page:
    site = services.get_manageable_site(site_id, current_user)
    form = SiteForm(obj=site)
    # The owner of an existing site does not change; the field is shown as text instead.
    del form.owner
    if form.validate_on_submit():
        try:
            services.update_site(site, current_user, form.details())
        except MarketplaceError as error:
            attach_error(form, error, "name")
        else:
            flash(_("The site has been saved."), "success")
            return redirect(_back_to(site))
    return render_template("sites/form.html", form=form, site=site), status_for(form)


@bp.post("/<int:site_id>/delete")
def delete(site_id: int) -> Response:
    site = services.get_manageable_site(site_id, current_user)
    target = _back_to(site)
    try:
        services.delete_site(site, current_user)
    except Conflict as error:
        flash(str(error.message), "error")
        return redirect(url_for(".edit", site_id=site_id))
    flash(_("The site has been removed."), "success")
    return redirect(target)
