from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace.core.clock import HELSINKI
from marketplace.core.inputs import row_id
from marketplace.core.money import parse_decimal
from marketplace.errors import MarketplaceError
from marketplace.listings import access
from marketplace.models import Listing, ListingKind, Reservation, ReservationStatus
from marketplace.reservations import (
    bookings,
    bp,
    codes,
    materials,
    online_payment,
    queries,
    transitions,
)
from marketplace.reservations.forms import (
    BookingForm,
    HandoverForm,
    MaterialReservationForm,
    MessageForm,
    ReasonForm,
)
from marketplace.web.forms import attach_error
from marketplace.web.links import external_url
from marketplace.web.page_parts import add_part, parts_of
from marketplace.web.pages import Page, signed_in_only

signed_in_only(bp)


def reservation_form(listing: Listing) -> MaterialReservationForm | BookingForm:
    """A fresh form for the listing's kind, with the request id a resent form repeats."""
    if listing.kind == ListingKind.EQUIPMENT:
        return BookingForm()
    return MaterialReservationForm()


def _status_filter() -> ReservationStatus | None:
    value = request.args.get("status", "")
    return ReservationStatus(value) if value in set(ReservationStatus) else None


@bp.get("/")
def mine() -> Page:
    status = _status_filter()
    return render_template(
        "reservations/mine.html",
        status=status,
        reservations=queries.requested_by(current_user, status),
        statuses=list(ReservationStatus),
    )


@bp.get("/requests")
def requests() -> Page:
    status = _status_filter()
    organisation = request.args.get("organisation", type=row_id)
    return render_template(
        "reservations/requests.html",
        status=status,
        organisation_id=organisation,
        reservations=queries.requests_for(current_user, status, organisation),
        statuses=list(ReservationStatus),
    )


def _listing_to_reserve(listing_id: int) -> Listing:
    listing = access.get_visible(listing_id, current_user)
    if listing.kind == ListingKind.WANTED:
        abort(404)
    return listing


def _create(listing: Listing, form: MaterialReservationForm | BookingForm) -> Reservation:
    key = form.request_id.data or None
    if isinstance(form, BookingForm):
        return bookings.book_equipment(
            current_user,
            listing,
            bookings.BookingRequest(
                start=form.start.data,
                end=form.end.data,
                units=form.units.data,
                message=form.message.data or "",
                idempotency_key=key,
                pay_online=online_payment.pay_online(),
            ),
        )
    pickup_at = datetime.combine(form.pickup_date.data, form.pickup_time.data, HELSINKI)
    return materials.reserve_material(
        current_user,
        listing,
        materials.MaterialRequest(
            quantity=form.quantity.data or Decimal(0),
            pickup_at=pickup_at,
            message=form.message.data or "",
            idempotency_key=key,
            pay_online=online_payment.pay_online(),
        ),
    )


FIELD_OF = {"pickup_at": "pickup_date", "code": "code"}


@bp.route("/new/<int:listing_id>", methods=["GET", "POST"])
def new(listing_id: int) -> Page:
    listing = _listing_to_reserve(listing_id)
    form = reservation_form(listing)
    if form.validate_on_submit():
        try:
            reservation = _create(listing, form)
        except MarketplaceError as error:
            error.field = FIELD_OF.get(error.field or "", error.field)
            attach_error(form, error, "quantity" if "quantity" in form else "start")
        else:
            if reservation.status == ReservationStatus.PENDING_PAYMENT:
                return online_payment.send_to_checkout(reservation)
            if reservation.status == ReservationStatus.ACCEPTED:
                flash(_("Reserved! Your pickup code is below."), "success")
            else:
                flash(_("Your request is sent. You will hear when the lister answers."), "success")
            return redirect(url_for(".detail", reservation_id=reservation.id))
    return render_template(
        "reservations/new.html", listing=listing, form=form, free_days=_calendar(listing)
    ), 422 if form.errors else 200


def _calendar(listing: Listing) -> list[tuple[date, int]]:
    if listing.kind != ListingKind.EQUIPMENT:
        return []
    return queries.availability(listing, queries.today(), 42)


def _on_listing_page(listing: Listing, reservable: bool) -> dict[str, object]:
    """The reservation form and the rental calendar on the listing's own page."""
    signed_in = current_user.is_authenticated
    return {
        "reserve_form": reservation_form(listing) if reservable and signed_in else None,
        "free_days": _calendar(listing),
    }


add_part(bp, "listings/detail.html", _on_listing_page)


@bp.get("/<int:reservation_id>")
def detail(reservation_id: int) -> Page:
    reservation = queries.get_for(reservation_id, current_user)
    return _detail_page(reservation)


def _detail_page(reservation: Reservation, status: int = 200, **forms: object) -> Page:
    manager = access.can_manage(reservation.listing, current_user)
    return render_template(
        "reservations/detail.html",
        reservation=reservation,
        manager=manager,
        requester=reservation.requester_id == current_user.id,
        place=access.place_for(reservation.listing, current_user),
        decline_form=forms.get("decline_form") or ReasonForm(formdata=None, prefix="decline"),
        cancel_form=forms.get("cancel_form") or ReasonForm(formdata=None, prefix="cancel"),
        handover_form=forms.get("handover_form") or HandoverForm(formdata=None),
        message_form=forms.get("message_form") or MessageForm(formdata=None),
        **parts_of("reservations/detail.html", reservation),
        handover_url=external_url(
            "reservations.handover", reservation_id=reservation.id, code=reservation.pickup_code
        ),
    ), status


def _acted(reservation: Reservation, message: object) -> Response:
    flash(str(message), "success")
    return redirect(url_for(".detail", reservation_id=reservation.id))


def _refused(reservation: Reservation, error: MarketplaceError) -> Response:
    if error.status == 404:
        raise error
    flash(str(error.message), "error")
    return redirect(url_for(".detail", reservation_id=reservation.id))


@bp.post("/<int:reservation_id>/accept")
def accept(reservation_id: int) -> Response:
    reservation = queries.get_for(reservation_id, current_user)
    try:
        transitions.accept(reservation, current_user)
    except MarketplaceError as error:
        return _refused(reservation, error)
    return _acted(reservation, _l("Accepted. The requester has been told."))


@bp.post("/<int:reservation_id>/decline")
def decline(reservation_id: int) -> Response:
    reservation = queries.get_for(reservation_id, current_user)
    form = ReasonForm(prefix="decline")
    try:
        transitions.decline(reservation, current_user, form.reason.data or "")
    except MarketplaceError as error:
        return _refused(reservation, error)
    return _acted(reservation, _l("Declined, and what it held is available again."))


@bp.post("/<int:reservation_id>/cancel")
def cancel(reservation_id: int) -> Response:
    reservation = queries.get_for(reservation_id, current_user)
    form = ReasonForm(prefix="cancel")
    try:
        transitions.cancel(reservation, current_user, form.reason.data or "")
    except MarketplaceError as error:
        return _refused(reservation, error)
    return _acted(reservation, _l("The reservation is cancelled."))


@bp.post("/<int:reservation_id>/reduce")
def reduce(reservation_id: int) -> Response:
    reservation = queries.get_for(reservation_id, current_user)
    try:
        keep = parse_decimal(request.form.get("quantity", ""))
    except ValueError:
        flash(_("Enter a number, like 12,5."), "error")
        return redirect(url_for(".detail", reservation_id=reservation.id))
    try:
        transitions.reduce(reservation, current_user, keep)
    except MarketplaceError as error:
        return _refused(reservation, error)
    return _acted(reservation, _l("The rest is released for others."))


@bp.route("/<int:reservation_id>/handover", methods=["GET", "POST"])
def handover(reservation_id: int) -> Page:
    """Where the lister types the code, or lands by scanning the requester's QR code."""
    reservation = queries.get_for(reservation_id, current_user)
    transitions.require_manager(reservation, current_user)
    form = HandoverForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        try:
            transitions.complete(reservation, current_user, form.code.data)
        except MarketplaceError as error:
            if error.status == 404:
                raise
            attach_error(form, error, "code")
        else:
            return _acted(reservation, _l("Handed over. Thank you for keeping it in use!"))
    return render_template(
        "reservations/handover.html", reservation=reservation, form=form
    ), 422 if form.errors else 200


@bp.post("/<int:reservation_id>/messages")
def message(reservation_id: int) -> Page:
    reservation = queries.get_for(reservation_id, current_user)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            transitions.post_message(reservation, current_user, form.text.data)
        except MarketplaceError as error:
            if error.status == 404:
                raise
            attach_error(form, error, "text")
        else:
            return redirect(url_for(".detail", reservation_id=reservation.id, _anchor="timeline"))
    return _detail_page(reservation, 422, message_form=form)


@bp.get("/<int:reservation_id>/qr.svg")
def qr(reservation_id: int) -> Response:
    reservation = queries.get_for(reservation_id, current_user)
    link = external_url(
        "reservations.handover", reservation_id=reservation.id, code=reservation.pickup_code
    )
    response = Response(codes.qr_svg(link), mimetype="image/svg+xml")
    # The picture holds the pickup code: it is kept no more than the page that shows it.
    response.headers["Cache-Control"] = "no-store"
    return response
