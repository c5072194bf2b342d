"""Reservations on the partner's listings, answered through the same services as the pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, jsonify
from flask_babel import lazy_gettext as _l

from marketplace.api import bp
from marketplace.api.access import (
    answer,
    known_id,
    partner,
    read_body,
    read_endpoint,
    read_query,
    write_endpoint,
)
from marketplace.api.models import (
    AcceptRequest,
    CompleteRequest,
    DeclineRequest,
    Reservation,
    ReservationPage,
)
from marketplace.api.operations import WRITE_ERRORS, operation
from marketplace.api.parameters import ReservationQuery
from marketplace.api.serializers import reservation_model
from marketplace.extensions import db
from marketplace.models import Reservation as Booking
from marketplace.models import User
from marketplace.partners import queries
from marketplace.partners.model_errors import Messages
from marketplace.partners.transactions import one_transaction
from marketplace.reservations import transitions

OBJECT: Messages = {(None, "model_type"): _l("Send a JSON object.")}


@bp.get("/reservations")
@operation(
    "listReservations",
    "Reservations on the partner's items, least recently updated first",
    "Reservations",
    {200: ReservationPage},
    (422,),
    query=ReservationQuery,
)
@read_endpoint("reservations:read", ReservationQuery)
def reservation_list() -> Response:
    chosen = read_query(ReservationQuery)
    page = queries.reservation_page(partner().organisation_id, chosen.request(), chosen.status)
    items = [reservation_model(reservation) for reservation in page.rows]
    return jsonify(ReservationPage(items=items, next_cursor=page.next_cursor).document())


def _reservation(reservation_id: int) -> Booking:
    known_id(reservation_id, queries.NO_SUCH_RESERVATION)
    return queries.reservation_of(partner().organisation_id, reservation_id)


@bp.get("/reservations/<int:reservation_id>")
@operation("getReservation", "One reservation", "Reservations", {200: Reservation}, (404, 422))
@read_endpoint("reservations:read")
def reservation_detail(reservation_id: int) -> Response:
    return jsonify(reservation_model(_reservation(reservation_id)).document())


def _transition(reservation_id: int, move: Callable[[Booking, User], None]) -> None:
    with one_transaction():
        reservation = _reservation(reservation_id)
        move(reservation, partner().actor())
        db.session.refresh(reservation)
        answer()(200, reservation_model(reservation).document())


@bp.post("/reservations/<int:reservation_id>/accept")
@operation(
    "acceptReservation",
    "Accept a request",
    "Reservations",
    {200: Reservation},
    WRITE_ERRORS,
    body=AcceptRequest,
    body_required=False,
)
@write_endpoint("reservations:write")
def accept(reservation_id: int) -> None:
    read_body(AcceptRequest, OBJECT, required=False)
    _transition(reservation_id, transitions.accept)


@bp.post("/reservations/<int:reservation_id>/decline")
@operation(
    "declineReservation",
    "Decline a request (the stock is released)",
    "Reservations",
    {200: Reservation},
    WRITE_ERRORS,
    body=DeclineRequest,
    body_required=False,
)
@write_endpoint("reservations:write")
def decline(reservation_id: int) -> None:
    reason = read_body(DeclineRequest, OBJECT, required=False).reason
    _transition(reservation_id, lambda r, actor: transitions.decline(r, actor, reason))


@bp.post("/reservations/<int:reservation_id>/complete")
@operation(
    "completeReservation",
    "Confirm the handover with the requester's pickup code",
    "Reservations",
    {200: Reservation},
    WRITE_ERRORS,
    body=CompleteRequest,
)
@write_endpoint("reservations:write")
def complete(reservation_id: int) -> None:
    """The handover, confirmed with the pickup code the requester shows."""
    code = read_body(CompleteRequest, OBJECT).code
    _transition(reservation_id, lambda r, actor: transitions.complete(r, actor, code))
