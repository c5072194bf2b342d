"""What a partner reads back: its items and the reservations on its listings, one at a time
or a page at a time.

Pages are ordered by (updated_at, id); the cursor carries the last pair a page ended on, so
paging neither skips nor repeats a row however many change in between (a row that changes
moves to the end, where a sync loop meets it again).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from marketplace.core.inputs import whole_number
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import Listing, PartnerItem, Reservation, ReservationStatus

Row = TypeVar("Row")
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"
NO_SUCH_ITEM = _l("No item with this external id.")
NO_SUCH_RESERVATION = _l("No such reservation.")


@dataclass(frozen=True)
class Position:
    updated_at: datetime
    id: int


@dataclass(frozen=True)
class PageRequest:
    updated_since: datetime | None = None
    after: Position | None = None
    size: int = 100


@dataclass
class Page(Generic[Row]):
    rows: list[Row] = field(default_factory=list)
    next_cursor: str | None = None


def cursor_text(position: Position) -> str:
    text = json.dumps([position.updated_at.isoformat(), position.id])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(text: str) -> Position:
    """The position a cursor of `cursor_text` holds, or a ValidationError naming `cursor`."""
    try:
        moment, row_id = json.loads(base64.urlsafe_b64decode(text.encode() + b"=="))
        when = datetime.fromisoformat(str(moment))
        if when.tzinfo is None:
            raise ValueError(moment)
        return Position(when.astimezone(UTC), whole_number(str(row_id)))
    except (ValueError, TypeError, binascii.Error, UnicodeError, OverflowError):
        raise ValidationError(_l("This cursor was not made by this API."), field="cursor") from None


def _page(
    query: sa.Select[*tuple[Any, ...]],
    updated_at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[int],
    request: PageRequest,
    rows: Callable[[sa.Select[*tuple[Any, ...]]], Sequence[Any]],
    position: Callable[[Any], Position],
) -> Page[Any]:
    if request.updated_since is not None:
        query = query.where(updated_at >= request.updated_since)
    if request.after is not None:
        after = request.after
        query = query.where(sa.tuple_(updated_at, row_id) > sa.tuple_(after.updated_at, after.id))
    found = list(rows(query.order_by(updated_at, row_id).limit(request.size + 1)))
    if len(found) <= request.size:
        return Page(found)
    found = found[: request.size]
    return Page(found, cursor_text(position(found[-1])))


# Items


def _items(organisation_id: int) -> sa.Select[PartnerItem, Listing]:
    return (
        sa.select(PartnerItem, Listing)
        .join(PartnerItem.listing)
        .where(PartnerItem.organisation_id == organisation_id)
        .options(
            selectinload(Listing.site),
            selectinload(Listing.category),
            selectinload(Listing.organisation),
            selectinload(Listing.photos),
        )
    )


def item_page(organisation_id: int, request: PageRequest) -> Page[tuple[PartnerItem, Listing]]:
    """The partner's items, least recently updated first."""
    return _page(
        _items(organisation_id),
        Listing.updated_at,
        Listing.id,
        request,
        lambda query: [tuple(row) for row in db.session.execute(query)],
        lambda row: Position(row[1].updated_at, row[1].id),
    )


def item_of(organisation_id: int, external_id: str) -> tuple[PartnerItem, Listing]:
    row = db.session.execute(
        _items(organisation_id).where(PartnerItem.external_id == external_id)
    ).first()
    if row is None:
        raise NotFound(NO_SUCH_ITEM)
    return row[0], row[1]


# Reservations


def _reservations(organisation_id: int) -> sa.Select[Reservation]:
    return (
        sa.select(Reservation)
        .join(Reservation.listing)
        .where(Listing.organisation_id == organisation_id)
        .options(selectinload(Reservation.listing), selectinload(Reservation.requester))
    )


def reservation_page(
    organisation_id: int, request: PageRequest, statuses: Sequence[ReservationStatus] = ()
) -> Page[Reservation]:
    """Reservations on the partner's listings (its items and those its people typed in),
    least recently updated first."""
    query = _reservations(organisation_id)
    if statuses:
        query = query.where(Reservation.status.in_(statuses))
    return _page(
        query,
        Reservation.updated_at,
        Reservation.id,
        request,
        lambda query: list(db.session.scalars(query)),
        lambda row: Position(row.updated_at, row.id),
    )


def reservation_of(organisation_id: int, reservation_id: int) -> Reservation:
    """Another organisation's reservation is as invisible as one that does not exist."""
    found = db.session.scalar(
        _reservations(organisation_id).where(Reservation.id == reservation_id)
    )
    if found is None:
        raise NotFound(NO_SUCH_RESERVATION)
    return found
