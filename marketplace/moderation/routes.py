from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.errors import MarketplaceError
from marketplace.extensions import limiter
from marketplace.listings import access as listing_access
from marketplace.models import (
    Decision,
    Language,
    Listing,
    ModerationTarget,
    NoticeReason,
    Organisation,
    Reservation,
    ReservationEvent,
    User,
)
from marketplace.moderation import bp, complaints, decisions, notices, statements, targets
from marketplace.moderation.forms import ComplaintForm, NoticeForm
from marketplace.web.forms import attach_error
from marketplace.web.page_parts import add_part
from marketplace.web.pages import Page


def _viewer() -> User | None:
    return current_user if current_user.is_authenticated else None


def _notices_per_address() -> str:
    return str(current_app.config["NOTICES_PER_IP"])


def _accepted(response: Response) -> bool:
    return response.status_code == 302


def _language() -> Language:
    try:
        return Language(str(get_locale()))
    except ValueError:
        return Language.FI


@bp.route(
    "/report/<any(listing, organisation, message, user):target>/<int:target_id>",
    methods=["GET", "POST"],
)
@limiter.limit(_notices_per_address, methods=["POST"], deduct_when=_accepted)
def report(target: str, target_id: int) -> Page:
    """Report an item (Art. 16). Open to everyone; only accepted notices count towards the
    address's limit."""
    viewer = _viewer()
    item = targets.find_reportable(ModerationTarget(target), target_id, viewer)
    form = NoticeForm()
    if request.method == "GET":
        form.location.data = item.url
        if viewer is not None:
            form.name.data = viewer.display_name
            form.email.data = viewer.email
    if form.validate_on_submit():
        entry = notices.NoticeEntry(
            reason=NoticeReason(form.reason.data),
            explanation=form.explanation.data,
            location=form.location.data or "",
            name=form.name.data or "",
            email=form.email.data,
            good_faith=bool(form.good_faith.data),
        )
        try:
            notices.submit_notice(
                item.type,
                item.id,
                entry,
                reporter=viewer,
                locale=_language(),
                source_address=get_remote_address(),
            )
        except MarketplaceError as error:
            if error.status == 404:
                raise
            attach_error(form, error, "explanation")
        else:
            flash(
                _(
                    "Thank you. Your report has been received: we will confirm it by e-mail "
                    "and tell you our decision."
                ),
                "success",
            )
            return redirect(_back_to(item))
    status = 422 if form.errors else 200
    return render_template("moderation/report.html", form=form, item=item), status


def _back_to(item: targets.Target) -> str:
    if item.listing is not None:
        return url_for("listings.detail", listing_id=item.listing.id)
    if item.reservation is not None:
        return url_for("reservations.detail", reservation_id=item.reservation.id)
    return url_for("main.home")


def _person(decision: Decision, token: str | None) -> User | None:
    """The person the decision restricts, if that is who is asking."""
    viewer = _viewer()
    if viewer is not None and viewer.id == decision.affected_user_id:
        return viewer
    if statements.token_opens(token, decision):
        return decision.affected_user
    return None


def _statement_page(decision: Decision, token: str | None, form: ComplaintForm | None) -> Page:
    person = _person(decision, token)
    may_complain = person is not None and complaints.may_complain(decision)
    if may_complain and form is None:
        form = ComplaintForm(formdata=None, token=token or "")
    return render_template(
        "moderation/statement.html",
        decision=decision,
        title=targets.title_of(decision.target_type, decision.target_id),
        deadline=statements.complaint_deadline(decision),
        form=form if may_complain else None,
        is_person=person is not None,
        token=token,
    ), 422 if form is not None and form.errors else 200


@bp.get("/decisions/<int:decision_id>")
def statement(decision_id: int) -> Page:
    """The statement of reasons, for the person it restricts (signed in, or by the link in
    their e-mail) and for moderators."""
    decision = decisions.get_decision(decision_id)
    token = request.args.get("token")
    if not statements.may_read(decision, _viewer(), token):
        abort(404)
    return _statement_page(decision, token, None)


@bp.post("/decisions/<int:decision_id>/complaint")
def complain(decision_id: int) -> Page:
    decision = decisions.get_decision(decision_id)
    form = ComplaintForm()
    token = form.token.data or None
    person = _person(decision, token)
    if person is None:
        abort(404)
    if form.validate_on_submit():
        try:
            complaints.file_complaint(decision.id, person, form.text.data)
        except MarketplaceError as error:
            if error.status == 404:
                raise
            if error.field is None:
                flash(str(error.message), "error")
                return redirect(url_for(".statement", decision_id=decision.id, token=token))
            attach_error(form, error, "text")
        else:
            flash(
                _(
                    "Your complaint is received. Another moderator will look at the decision "
                    "again, and you will be told the outcome."
                ),
                "success",
            )
            return redirect(url_for(".statement", decision_id=decision.id, token=token))
    return _statement_page(decision, token, form)


def _report_url(target: ModerationTarget, target_id: int) -> str:
    return url_for("moderation.report", target=target.value, target_id=target_id)


def _on_listing_page(listing: Listing, *_: Any) -> dict[str, Any]:
    """A "Report" link for everyone but its managers; the statement of reasons for its
    managers while a decision restricts it."""
    viewer = _viewer()
    manager = viewer is not None and listing_access.can_manage(listing, viewer)
    public = listing.status in listing_access.PUBLIC
    values: dict[str, Any] = {
        "report_url": _report_url(ModerationTarget.LISTING, listing.id)
        if public and not manager
        else None,
        "statement_url": None,
    }
    if manager or (viewer is not None and viewer.is_moderator):
        decision = decisions.in_force(ModerationTarget.LISTING, listing.id)
        if decision is not None:
            values["statement_url"] = url_for("moderation.statement", decision_id=decision.id)
    return values


def _on_reservation_page(reservation: Reservation) -> dict[str, Any]:
    """A "Report" link beside each message of the other party, and beside the opening
    request for the lister (that message is the requester's, so the person is reported)."""
    viewer = _viewer()

    def report_message(event: ReservationEvent) -> str | None:
        if viewer is None or event.actor_id in (None, viewer.id) or not event.text:
            return None
        return _report_url(ModerationTarget.MESSAGE, event.id)

    opening = None
    if (
        viewer is not None
        and reservation.message
        and reservation.requester_id != viewer.id
        and listing_access.can_manage(reservation.listing, viewer)
    ):
        opening = _report_url(ModerationTarget.USER, reservation.requester_id)
    return {"report_message_url": report_message, "report_request_url": opening}


def _on_organisation_page(organisation: Organisation) -> dict[str, Any]:
    return {"report_url": _report_url(ModerationTarget.ORGANISATION, organisation.id)}


add_part(bp, "listings/detail.html", _on_listing_page)
add_part(bp, "reservations/detail.html", _on_reservation_page)
add_part(bp, "organisations/detail.html", _on_organisation_page)
