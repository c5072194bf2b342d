"""The fast reservation write (`reservations.creation`) goes around the ORM: its rows are Core
statements built from column lists, and the reservation it hands back is made from the row it
sent. A column added to `reservations`, `notifications` or `audit_events` must either be
written there or be named below as one the write may leave out, with the reason; otherwise
these tests fail, where the write itself would leave the column empty without a word (SQLite)
or fail only on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import cast

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Listing, Notification, Reservation, User
from marketplace.reservations import creation
from tests.reservations.conftest import next_monday

RESERVATIONS = cast(sa.Table, Reservation.__table__)
NOTIFICATIONS = cast(sa.Table, Notification.__table__)
AUDIT_EVENTS = cast(sa.Table, AuditEvent.__table__)

# The only columns the fast write may leave out of each row, and why.
LEFT_OUT = {
    RESERVATIONS: {
        # The database assigns it (autoincrement primary key).
        "id",
        # A new reservation has had no reminder, handover or closing yet; the handover fills
        # the impact. Left empty they are NULL, as the object handed back says (see below).
        "reminded_at",
        "completed_at",
        "closed_at",
        "mass_kg",
        "co2e_kg",
        "emission_factor",
        "emission_factor_source",
    },
    NOTIFICATIONS: {
        "id",  # assigned by the database
        "reservation_id",  # the new reservation's id, filled in by the write once it has it
        # A new notice is unread, and its e-mail not yet claimed, sent or failed.
        "read_at",
        "email_claimed_at",
        "email_error",
    },
    AUDIT_EVENTS: {
        "id",  # assigned by the database
        "object_id",  # the new reservation's id, filled in by the write once it has it
    },
}
COLUMN_LISTS = {
    RESERVATIONS: creation.ROW,
    NOTIFICATIONS: creation.NOTICE,
    AUDIT_EVENTS: creation.ENTRY,
}


@pytest.mark.parametrize("table", list(LEFT_OUT), ids=lambda table: table.name)
def test_every_column_is_written_or_left_out_on_purpose(table: sa.Table) -> None:
    written = set(COLUMN_LISTS[table])
    columns = {column.name for column in table.columns}
    assert columns - written == LEFT_OUT[table], (
        f"{table.name}: write the column in reservations/creation.py (and where its row is "
        "built), or name it in LEFT_OUT with the reason it may start empty"
    )
    assert written <= columns


@pytest.mark.parametrize("table", list(LEFT_OUT), ids=lambda table: table.name)
def test_a_column_left_out_starts_empty(table: sa.Table) -> None:
    """Left out of the INSERT, a column takes its default; only NULL is what the reservation
    handed back (its empty columns set to None) and the readers of a new notice expect."""
    ids = {"id", "reservation_id", "object_id"}
    for name in LEFT_OUT[table] - ids:
        column = table.c[name]
        assert column.nullable, name
        assert column.default is None and column.server_default is None, name


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[creation.NewReservation]:
    """What each reservation made through the services hands to the fast write."""
    write = creation.write
    seen: list[creation.NewReservation] = []

    def spy(new: creation.NewReservation) -> creation.Written | None:
        seen.append(new)
        return write(new)

    monkeypatch.setattr(creation, "write", spy)
    return seen


def _differ(built: dict[str, object], columns: tuple[str, ...], table: sa.Table) -> set[str]:
    filled_by_write = {"reservation_id", "object_id"}
    return set(columns) ^ (set(built) - (filled_by_write & LEFT_OUT[table]))


def _check(new: creation.NewReservation) -> None:
    assert new.notice is not None
    for built, columns, table, where in (
        (new.row, creation.ROW, RESERVATIONS, "reserving.save_new"),
        (new.notice, creation.NOTICE, NOTIFICATIONS, "mail.notifications.notice"),
        (new.entry, creation.ENTRY, AUDIT_EVENTS, "models.audit.entry"),
    ):
        differ = _differ(built, columns, table)
        assert not differ, (
            f"{table.name}: {sorted(differ)} in the fast write's column list but not in the row "
            f"{where} builds, or the other way round: set it there, or leave it out of the "
            "list in reservations/creation.py and name it in LEFT_OUT here with the reason"
        )


def _loaded(reservation: Reservation) -> None:
    """Every column of the reservation handed back is set, so reading it costs no query."""
    columns = {column.key for column in sa.inspect(Reservation).column_attrs}
    unloaded = sa.inspect(reservation).unloaded & columns
    assert not unloaded, f"{sorted(unloaded)}: set them in reserving._as_written"


@pytest.mark.parametrize("auto_accept", [False, True], ids=["requested", "accepted"])
def test_a_material_reservation_writes_every_column(
    bricks: Listing,
    requester: User,
    reserve: Callable[..., Reservation],
    sent: list[creation.NewReservation],
    auto_accept: bool,
) -> None:
    bricks.auto_accept = auto_accept
    db.session.commit()
    reservation = reserve(requester, bricks, 10)
    [new] = sent
    _check(new)
    _loaded(reservation)


def test_a_booking_writes_every_column(
    scaffolding: Listing,
    requester: User,
    book: Callable[..., Reservation],
    sent: list[creation.NewReservation],
) -> None:
    start = next_monday()
    reservation = book(requester, scaffolding, start, start + timedelta(days=1))
    [new] = sent
    _check(new)
    _loaded(reservation)
