"""Reservations on the partner's listings, answered through the same services as the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.api import bp
from marketplace.api.access import (
    ApiProblem,
    answer,
    json_body,
    known_id,
    partner,
    read_endpoint,
    write_endpoint,
)
from marketplace.api.paging import PAGING, Position, cursor, limit, page, updated_since
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Listing, Reservation, ReservationStatus, User
from marketplace.partners.payloads import reservation_as_dict
from marketplace.partners.transactions import one_transaction
from marketplace.reservations import services

NO_SUCH_RESERVATION = _l("No such reservation.")


def _of_partner(organisation_id: int) -> sa.Select[Reservation]:
    return (
        sa.select(Reservation)
        .join(Reservation.listing)
        .where(Listing.organisation_id == organisation_id)
        .options(selectinload(Reservation.listing), selectinload(Reservation.requester))
    )


def _statuses() -> list[ReservationStatus]:
    chosen = request.args.getlist("status")
    try:
        return [ReservationStatus(value) for value in chosen]
    except ValueError:
        allowed = ", ".join(status.value for status in ReservationStatus)
        message = _l("Choose one of: %(allowed)s.", allowed=allowed)
        raise ApiProblem(422, message, "status") from None


@bp.get("/reservations")
@read_endpoint("reservations:read", (*PAGING, "status"))
def reservation_list() -> Response:
    """Reservations on the partner's items, least recently updated first."""
    statuses, since, after, size = _statuses(), updated_since(), cursor(), limit()
    query = _of_partner(partner().organisation_id)
    if statuses:
        query = query.where(Reservation.status.in_(statuses))
    if since is not None:
        query = query.where(Reservation.updated_at >= since)
    if after is not None:
        query = query.where(
            sa.tuple_(Reservation.updated_at, Reservation.id)
            > sa.tuple_(after.updated_at, after.id)
        )
    ordered = query.order_by(Reservation.updated_at, Reservation.id).limit(size + 1)
    rows = list(db.session.scalars(ordered))
    found, next_cursor = page(rows, size, lambda row: Position(row.updated_at, row.id))
    return jsonify({"items": [reservation_as_dict(r) for r in found], "next_cursor": next_cursor})


def _reservation(reservation_id: int) -> Reservation:
    """Another organisation's reservation is as invisible as one that does not exist."""
    known_id(reservation_id, NO_SUCH_RESERVATION)
    found = db.session.scalar(
        _of_partner(partner().organisation_id).where(Reservation.id == reservation_id)
    )
    if found is None:
        raise NotFound(NO_SUCH_RESERVATION)
    return found


@bp.get("/reservations/<int:reservation_id>")
@read_endpoint("reservations:read")
def reservation_detail(reservation_id: int) -> Response:
    return jsonify(reservation_as_dict(_reservation(reservation_id)))


def _text(body: Any, name: str, required: bool = False) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if body is not None and not isinstance(body, dict):
        raise ApiProblem(422, _l("Send a JSON object."), "body")
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ApiProblem(422, _l("Give a string."), name)
    return value


def _transition(reservation_id: int, move: Callable[[Reservation, User], None]) -> None:
    with one_transaction():
        reservation = _reservation(reservation_id)
        move(reservation, partner().actor())
        db.session.refresh(reservation)
        answer()(200, reservation_as_dict(reservation))


@bp.post("/reservations/<int:reservation_id>/accept")
@write_endpoint("reservations:write")
def accept(reservation_id: int) -> None:
    json_body(required=False)
    _transition(reservation_id, services.accept)


@bp.post("/reservations/<int:reservation_id>/decline")
@write_endpoint("reservations:write")
def decline(reservation_id: int) -> None:
    reason = _text(json_body(required=False), "reason")
    _transition(reservation_id, lambda r, actor: services.decline(r, actor, reason))


@bp.post("/reservations/<int:reservation_id>/complete")
@write_endpoint("reservations:write")
def complete(reservation_id: int) -> None:
    """The handover, confirmed with the pickup code the requester shows."""
    code = _text(json_body(), "code", required=True)
    _transition(reservation_id, lambda r, actor: services.complete(r, actor, code))
