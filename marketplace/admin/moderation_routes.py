"""The moderation queue (DSA Art. 16 and 17): open cases by item, listings held for review,
and the page of one item with its history, where a moderator decides."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.admin import bp
from marketplace.admin.access import moderator_required
from marketplace.admin.forms import ActionForm
from marketplace.errors import MarketplaceError
from marketplace.models import DecisionAction, Listing, ListingStatus, ModerationTarget
from marketplace.moderation import decisions, notices, queue, targets
from marketplace.moderation.forms import DecisionForm
from marketplace.web.forms import attach_error
from marketplace.web.page_parts import add_part
from marketplace.web.pages import Page

TARGET = "<any(listing, organisation, message, user):target>/<int:target_id>"


@bp.get("/moderation")
@moderator_required
def moderation() -> Page:
    return render_template(
        "admin/moderation.html",
        items=queue.open_cases(),
        held=queue.held_listings(),
        approve_form=ActionForm(formdata=None),
    )


def _decision_form(target_type: ModerationTarget, submitted: bool) -> DecisionForm:
    form = DecisionForm() if submitted else DecisionForm(formdata=None)
    return form.offer(decisions.actions_for(target_type))


def _item_page(target_type: ModerationTarget, target_id: int, form: DecisionForm) -> Page:
    try:
        item = targets.find(target_type, target_id)
    except MarketplaceError:
        abort(404)
    case = notices.open_case_for(target_type, target_id)
    held = item.listing is not None and item.listing.status == ListingStatus.PENDING_REVIEW
    return render_template(
        "admin/moderation_item.html",
        section="admin.moderation",
        item=item,
        case=case,
        sources=queue.source_count(case) if case is not None else 0,
        history=queue.history(target_type, target_id),
        form=form,
        approve_form=ActionForm(formdata=None) if held else None,
    ), 422 if form.errors else 200


@bp.get(f"/moderation/{TARGET}")
@moderator_required
def moderation_item(target: str, target_id: int) -> Page:
    target_type = ModerationTarget(target)
    return _item_page(target_type, target_id, _decision_form(target_type, submitted=False))


def _entry(form: DecisionForm) -> decisions.DecisionEntry:
    return decisions.DecisionEntry(
        action=DecisionAction(form.action.data),
        ground=form.ground.data,
        ground_detail=form.ground_detail.data or "",
        facts=form.facts.data,
        suspend_days=form.suspend_days.data,
    )


@bp.post(f"/moderation/{TARGET}/decide")
@moderator_required
def decide(target: str, target_id: int) -> Page:
    target_type = ModerationTarget(target)
    form = _decision_form(target_type, submitted=True)
    if form.validate_on_submit():
        try:
            decision = decisions.decide_on_item(target_type, target_id, current_user, _entry(form))
        except MarketplaceError as error:
            if error.status == 404:
                raise
            attach_error(form, error, "facts")
        else:
            if decision.action == DecisionAction.NO_ACTION:
                flash(_("Decided: no action. The people who reported it are told."), "success")
            else:
                flash(
                    _(
                        "Decided. The statement of reasons has been sent, and the people who "
                        "reported it are told."
                    ),
                    "success",
                )
            return redirect(url_for(".moderation"))
    return _item_page(target_type, target_id, form)


@bp.post("/moderation/listings/<int:listing_id>/approve")
@moderator_required
def approve_listing(listing_id: int) -> Page:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        listing = decisions.approve_listing(listing_id, current_user)
    except MarketplaceError as error:
        if error.status == 404:
            raise
        flash(str(error.message), "error")
    else:
        flash(_("“%(title)s” is published, and its lister told.", title=listing.title), "success")
    return redirect(url_for(".moderation"))


def _on_listing_page(listing: Listing, *_: Any) -> dict[str, Any]:
    """A moderator on a listing's page: the way to decide on it, and to approve it while it
    waits for review."""
    if not (current_user.is_authenticated and current_user.is_moderator):
        return {"moderation_url": None, "approve_url": None}
    held = listing.status == ListingStatus.PENDING_REVIEW
    return {
        "moderation_url": url_for("admin.moderation_item", target="listing", target_id=listing.id),
        "approve_url": url_for("admin.approve_listing", listing_id=listing.id) if held else None,
    }


add_part(bp, "listings/detail.html", _on_listing_page)
