"""Writing a new reservation: the stock it takes, its row, the notice to whoever must act on
it, and its audit entry, in as few round trips as the database allows.

This is the busiest write path, and a listing's row stays locked from the stock taken until
the commit. On PostgreSQL the whole write is one statement (data-modifying WITH queries), so
the lock lasts that statement and the commit, as for a bare conditional UPDATE; SQLite, which
has no such queries and no network between, runs the same statements one after another
inside its immediate transaction. Callers work out everything that needs Python (prices,
texts) before they call `write`, for the same reason.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import AuditEvent, Listing, ListingStatus, Notification, Reservation, audit

LISTINGS = cast(sa.Table, Listing.__table__)
RESERVATIONS = cast(sa.Table, Reservation.__table__)
NOTIFICATIONS = cast(sa.Table, Notification.__table__)
AUDIT_EVENTS = cast(sa.Table, AuditEvent.__table__)

AMOUNT = sa.bindparam("amount", type_=LISTINGS.c.quantity_available.type)
# A table-level UPDATE: the search index hears of it only when the listing sells out, since
# its document records only whether anything is left, not how much.
TAKE_STOCK = (
    sa.update(LISTINGS)
    .where(
        LISTINGS.c.id == sa.bindparam("listing_id"),
        LISTINGS.c.status == ListingStatus.ACTIVE,
        LISTINGS.c.quantity_available >= AMOUNT,
    )
    # Set here rather than by the column's onupdate, which a WITH query would not apply.
    .values(
        quantity_available=LISTINGS.c.quantity_available - AMOUNT,
        updated_at=sa.bindparam("now", type_=LISTINGS.c.updated_at.type),
    )
    .returning(LISTINGS.c.quantity_available)
)


def _columns(table: sa.Table, leaving_out: tuple[str, ...]) -> tuple[str, ...]:
    """The table's columns but those left out, in the table's order: a column added to the
    model joins the write, and a test checks that its callers then supply it."""
    return tuple(column.name for column in table.columns if column.name not in leaving_out)


# Columns a new reservation leaves empty (NULL) for later transitions to fill.
EMPTY_AT_FIRST = (
    "reminded_at",
    "completed_at",
    "closed_at",
    "mass_kg",
    "co2e_kg",
    "emission_factor",
    "emission_factor_source",
)
# The columns each row is written with. Left out besides: the ids the database assigns,
# and the new reservation's id in the notice and the audit entry, which `write` fills in.
ROW = _columns(RESERVATIONS, leaving_out=("id", *EMPTY_AT_FIRST))
# A new notice is unread and not yet e-mailed.
NOTICE = _columns(
    NOTIFICATIONS,
    leaving_out=("id", "reservation_id", "read_at", "email_claimed_at", "email_error"),
)
ENTRY = _columns(AUDIT_EVENTS, leaving_out=("id", "object_id"))

INSERT_RESERVATION = sa.insert(RESERVATIONS).returning(RESERVATIONS.c.id)


def stock_parameters(listing_id: int, amount: Decimal, now: datetime) -> dict[str, Any]:
    return {"listing_id": listing_id, "amount": amount, "now": now}


@dataclass(frozen=True)
class NewReservation:
    row: dict[str, Any]  # the ROW columns
    take: Decimal | None  # stock to take from the listing first, for material
    notice: dict[str, Any] | None  # a notification's NOTICE columns; it is about this one
    entry: dict[str, Any]  # an audit event's ENTRY columns; its object is this one


@dataclass(frozen=True)
class Written:
    reservation_id: int
    left: Decimal | None  # the listing's stock after, when some was taken


def write(new: NewReservation) -> Written | None:
    """Write it all in the current transaction; None when the stock could not be taken
    (the listing is no longer active, or has less left), and then nothing was written."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _in_one_statement(new)
    return _in_steps(new)


def _in_steps(new: NewReservation) -> Written | None:
    # Straight on the session's connection: the session's own execute costs more than these
    # statements, and none of them touches an object it holds.
    connection = db.session.connection()
    left = None
    if new.take is not None:
        left = connection.execute(
            TAKE_STOCK, stock_parameters(new.row["listing_id"], new.take, new.row["created_at"])
        ).scalar_one_or_none()
        if left is None:
            return None
    reservation_id = connection.execute(INSERT_RESERVATION, new.row).scalar_one()
    if new.notice is not None:
        connection.execute(
            notifications.INSERT_NOTIFICATION, {**new.notice, "reservation_id": reservation_id}
        )
    connection.execute(audit.INSERT_EVENT, {**new.entry, "object_id": reservation_id})
    return Written(reservation_id, left)


def _prefixed(prefix: str, names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((f"{prefix}{name}", name) for name in names)


# The statement's parameter names for each column, worked out once.
_ROW_PARAMETERS = _prefixed("r_", ROW)
_ENTRY_PARAMETERS = _prefixed("a_", ENTRY)
_NOTICE_PARAMETERS = _prefixed("n_", NOTICE)


def _in_one_statement(new: NewReservation) -> Written | None:
    statement = one_statement(new.take is not None, new.notice is not None)
    row, entry, notice = new.row, new.entry, new.notice
    parameters = {parameter: row[name] for parameter, name in _ROW_PARAMETERS}
    parameters.update((parameter, entry[name]) for parameter, name in _ENTRY_PARAMETERS)
    if new.take is not None:
        parameters.update(stock_parameters(row["listing_id"], new.take, row["created_at"]))
    if notice is not None:
        parameters.update((parameter, notice[name]) for parameter, name in _NOTICE_PARAMETERS)
    found = db.session.connection().execute(statement, parameters).one_or_none()
    if found is None:
        return None
    return Written(found.id, found.left)


def _values(table: sa.Table, parameters: tuple[tuple[str, str], ...]) -> list[sa.Cast[Any]]:
    # Typed casts: PostgreSQL cannot infer a parameter's type inside INSERT … SELECT.
    return [
        sa.cast(sa.bindparam(parameter, type_=table.c[name].type), table.c[name].type)
        for parameter, name in parameters
    ]


@functools.cache
def one_statement(take: bool, notice: bool) -> sa.Select[Any]:
    made_from = sa.select(*_values(RESERVATIONS, _ROW_PARAMETERS))
    taken = TAKE_STOCK.cte("taken") if take else None
    if taken is not None:
        made_from = made_from.select_from(taken)
    made = (
        sa.insert(RESERVATIONS)
        .from_select(list(ROW), made_from)
        .returning(RESERVATIONS.c.id)
        .cte("made")
    )
    ctes = [
        sa.insert(AUDIT_EVENTS)
        .from_select(
            [*ENTRY, "object_id"], sa.select(*_values(AUDIT_EVENTS, _ENTRY_PARAMETERS), made.c.id)
        )
        .cte("entered")
    ]
    if notice:
        ctes.append(
            sa.insert(NOTIFICATIONS)
            .from_select(
                [*NOTICE, "reservation_id"],
                sa.select(*_values(NOTIFICATIONS, _NOTICE_PARAMETERS), made.c.id),
            )
            .cte("noticed")
        )
    left = (
        sa.select(taken.c.quantity_available).scalar_subquery() if taken is not None else sa.null()
    )
    return sa.select(made.c.id, left.label("left")).add_cte(*ctes)
