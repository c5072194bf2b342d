from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from marketplace.errors import MarketplaceError
from marketplace.extensions import csrf, db, limiter
from marketplace.models import Reservation
from marketplace.organisations.services import require_owner
from marketplace.payments import bp, connect, services
from marketplace.payments.gateway import BadSignature, gateway
from marketplace.web.page_parts import add_part
from marketplace.web.pages import Page, writes_on_get


def _reservation(reservation_id: int) -> Reservation:
    reservation = db.session.get(Reservation, reservation_id)
    if reservation is None or reservation.requester_id != current_user.id:
        abort(404)
    return reservation


def checkout_redirect(reservation: Reservation) -> Response:
    """Send the requester to Stripe, or back to the reservation with the reason it failed."""
    try:
        payment = services.start_checkout(reservation, current_user)
    except MarketplaceError as error:
        if error.status == 404:
            raise
        flash(str(error.message), "error")
        return redirect(url_for("reservations.detail", reservation_id=reservation.id))
    return redirect(payment.checkout_url or "/", code=303)


def _on_reservation_page(reservation: Reservation) -> dict[str, object]:
    return {"payments": services.payments_of(reservation)}


add_part(bp, "reservations/detail.html", _on_reservation_page)


@bp.post("/checkout/<int:reservation_id>")
@login_required
def checkout(reservation_id: int) -> Response:
    return checkout_redirect(_reservation(reservation_id))


@bp.get("/checkout/<int:reservation_id>/return")
@login_required
@writes_on_get
def returned(reservation_id: int) -> Response:
    reservation = _reservation(reservation_id)
    outcome = services.return_from_checkout(
        reservation, current_user, request.args.get("session_id", "")
    )
    if outcome in ("paid", "already fulfilled"):
        flash(_("Thank you! Your payment was received."), "success")
    else:
        flash(_("Your payment is being confirmed. This page shows when it is."), "info")
    return redirect(url_for("reservations.detail", reservation_id=reservation_id))


@bp.get("/checkout/<int:reservation_id>/cancelled")
@login_required
def cancelled(reservation_id: int) -> Response:
    _reservation(reservation_id)
    flash(_("The payment was not completed. You can pay until the hold ends, or cancel."), "info")
    return redirect(url_for("reservations.detail", reservation_id=reservation_id))


@bp.post("/stripe/webhook")
@csrf.exempt
@limiter.exempt
def webhook() -> tuple[str, int]:
    found = gateway()
    if found is None:
        abort(404)
    try:
        event = found.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except BadSignature:
        return "bad signature", 400
    return services.handle_event(event), 200


@bp.post("/connect/<int:organisation_id>")
@login_required
def connect_start(organisation_id: int) -> Response:
    membership = require_owner(organisation_id, current_user)
    try:
        link = connect.onboarding_link(membership.organisation, current_user)
    except MarketplaceError as error:
        flash(str(error.message), "error")
        return redirect(url_for("organisations.detail", organisation_id=organisation_id))
    return redirect(link, code=303)


@bp.get("/connect/<int:organisation_id>/return")
@login_required
def connect_return(organisation_id: int) -> Page:
    membership = require_owner(organisation_id, current_user)
    return render_template(
        "payments/connected.html",
        organisation=membership.organisation,
        ready=connect.charges_enabled(membership.organisation),
    )


@bp.get("/admin")
@login_required
def admin() -> Page:
    if not current_user.is_admin:
        abort(403)
    return render_template(
        "payments/admin.html",
        payments=services.recent_payments(),
        events=services.notable_events(),
        enabled=services.enabled(),
    )
