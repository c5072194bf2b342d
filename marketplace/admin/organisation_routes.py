"""Organisations waiting for verification, and the administrators' decisions (DSA Art. 30)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.admin import bp
from marketplace.admin.access import admin_required
from marketplace.admin.forms import VerificationDecisionForm
from marketplace.errors import MarketplaceError
from marketplace.models import Organisation, VerificationStatus
from marketplace.organisations import services as organisation_services
from marketplace.organisations import verification
from marketplace.organisations.access import owners
from marketplace.web.pages import Page

DONE = {
    VerificationStatus.VERIFIED: _l("%(name)s is now verified. Its owners have been told."),
    VerificationStatus.REJECTED: _l(
        "The verification of %(name)s was refused. Its owners have been told why."
    ),
    VerificationStatus.UNVERIFIED: _l(
        "The verification of %(name)s was withdrawn. Its owners have been told."
    ),
}


def decision_form(organisation: Organisation) -> VerificationDecisionForm:
    return VerificationDecisionForm(prefix=f"organisation-{organisation.id}")


def _shown_status() -> VerificationStatus:
    try:
        return VerificationStatus(request.args.get("status", VerificationStatus.PENDING.value))
    except ValueError:
        abort(404)


@bp.get("/organisations")
@admin_required
def organisations() -> Page:
    status = _shown_status()
    waiting = verification.waiting(status)
    return render_template(
        "admin/organisations.html",
        status=status,
        organisations=waiting,
        counts=verification.counts(),
        owners={organisation.id: owners(organisation.id) for organisation in waiting},
        forms={organisation.id: decision_form(organisation) for organisation in waiting},
    )


@bp.post("/organisations/<int:organisation_id>/decision")
@admin_required
def decide_organisation(organisation_id: int) -> Page:
    organisation = organisation_services.get_organisation(organisation_id)
    back = url_for(".organisations", status=organisation.verification_status.value)
    form = decision_form(organisation)
    if not form.validate_on_submit():
        flash(_("Choose verify or refuse, and keep the note under 2000 characters."), "error")
        return redirect(back)
    status = VerificationStatus(form.decision.data)
    try:
        changed = verification.decide(organisation, current_user, status, form.note.data or "")
    except MarketplaceError as error:
        flash(str(error.message), "error")
        return redirect(back)
    if changed:
        flash(str(DONE[status]) % {"name": organisation.name}, "success")
    else:
        flash(_("Nothing changed: %(name)s already was so.", name=organisation.name), "info")
    return redirect(back)
