"""Complaints against moderation decisions (DSA Art. 20), handled by a moderator other than
the one who decided."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.admin import bp
from marketplace.admin.access import moderator_required
from marketplace.errors import MarketplaceError
from marketplace.moderation import complaints, queue, statements, targets
from marketplace.moderation.forms import ComplaintOutcomeForm
from marketplace.web.forms import attach_error
from marketplace.web.pages import Page


@bp.get("/complaints", endpoint="complaints")
@moderator_required
def complaints_page() -> Page:
    return render_template(
        "admin/complaints.html",
        waiting=complaints.open_complaints(),
        handled=complaints.handled_complaints(),
    )


def _complaint_page(complaint_id: int, form: ComplaintOutcomeForm | None) -> Page:
    complaint = complaints.get_complaint(complaint_id)
    decision = complaint.decision
    own = decision.decided_by_id == current_user.id
    if form is None:
        form = ComplaintOutcomeForm(formdata=None)
    return render_template(
        "admin/complaint.html",
        section="admin.complaints",
        complaint=complaint,
        decision=decision,
        title=targets.title_of(decision.target_type, decision.target_id),
        history=queue.history(decision.target_type, decision.target_id),
        deadline=statements.complaint_deadline(decision),
        form=form if complaint.status.value == "open" and not own else None,
        own=own,
    ), 422 if form.errors else 200


@bp.get("/complaints/<int:complaint_id>")
@moderator_required
def complaint(complaint_id: int) -> Page:
    return _complaint_page(complaint_id, None)


@bp.post("/complaints/<int:complaint_id>/handle")
@moderator_required
def handle_complaint(complaint_id: int) -> Page:
    form = ComplaintOutcomeForm()
    if form.validate_on_submit():
        try:
            complaints.handle_complaint(
                complaint_id,
                current_user,
                reverse=form.outcome.data == "reversed",
                outcome=form.explanation.data,
            )
        except MarketplaceError as error:
            if error.status == 404:
                raise
            if error.field is None:
                flash(str(error.message), "error")
                return redirect(url_for(".complaint", complaint_id=complaint_id))
            attach_error(form, error, "explanation")
        else:
            flash(_("The complaint is handled, and the person who made it told."), "success")
            return redirect(url_for(".complaints"))
    return _complaint_page(complaint_id, form)
