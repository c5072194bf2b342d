"""Leases on outbox rows, and records of a hand-over that outlive a dead database connection.

The outboxes (notification e-mails, e-mails to reporters, partner webhooks) deliver every entry
at least once, and exactly once unless a process dies between a hand-over and its record:

* A sender takes a row with a lease before sending it: a conditional UPDATE that succeeds only
  while nobody holds the row, for `OUTBOX_LEASE_SECONDS` (30). While the send runs, this
  process renews the lease, so a slow mail server or receiver never lets a second sender in.
  A process that died renews nothing: the next sender takes the row once the lease has run
  out, within a lease and a round of the job runner.
* Once the mail server or the receiver has accepted, the sender records it with an idempotent
  write (`Lease.record`): applying it twice changes nothing. A write that fails because the
  connection died is tried again on a new connection, after short pauses, for up to a lease.
  If the database is still unreachable then, the record stays in this process, which goes on
  trying (and renewing the lease whenever it can) until it is written; a process that exits
  normally waits up to a lease for such records first.

What remains is what no sender can avoid: a process killed between hand-over and record, or
an outage longer than a lease that ends for the next sender before this process has written
its record, lets the entry go out twice. So e-mails carry a Message-ID made from their outbox
entry and webhooks their event id, by which the copy is recognised.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import InstrumentedAttribute, Session, scoped_session

from marketplace.database import intend_writes, restore_intent
from marketplace.extensions import db

logger = logging.getLogger(__name__)

# An idempotent write, run in a transaction of its own on a connection of its own.
Write = Callable[[sa.Connection], object]

# Errors after which the same write may well succeed a moment later on another connection: the
# connection died or was refused, the pool was exhausted, SQLite was busy, a deadlock.
PASSING = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
FIRST_PAUSE = 0.05
LONGEST_PAUSE = 1.0


def lease_length() -> timedelta:
    return timedelta(seconds=float(current_app.config["OUTBOX_LEASE_SECONDS"]))


@dataclass(frozen=True)
class Outbox:
    """An outbox table as leases see it: its rows' key and the column that holds a lease."""

    name: str
    model: type[Any]
    key: InstrumentedAttribute[int]
    column: InstrumentedAttribute[datetime | None]
    # The column holds the moment the lease ends (True) or the moment it began (False).
    holds_end: bool

    def free(self, now: datetime, length: timedelta) -> sa.ColumnElement[bool]:
        if self.holds_end:
            return sa.or_(self.column.is_(None), self.column < now)
        return sa.or_(self.column.is_(None), self.column < now - length)

    def value(self, now: datetime, length: timedelta) -> datetime:
        return now + length if self.holds_end else now


HELD, KEPT, DONE, LOST = "held", "kept", "done", "lost"


class Lease:
    """One sender's hold on one outbox row, renewed by this process until the sender is done.

    Use it as a context manager around the send and its record: leaving the block without a
    record stops the renewals, and the row is free again when the lease runs out."""

    def __init__(
        self, outbox: Outbox, row_id: int, now: datetime, length: timedelta, engine: sa.Engine
    ) -> None:
        self.outbox = outbox
        self.row_id = row_id
        self.length = length
        self.engine = engine
        self.state = HELD
        self._taken_at = now
        self._taken = self.renewed = time.monotonic()
        # What the column may hold now. A renewal whose commit went unanswered may or may not
        # have been written, so its value and the one before it both count as this lease's.
        self._values = [outbox.value(now, length)]
        # One write at a time: a renewal racing a record could leave the lease set after the
        # record had released it.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Lease {self.outbox.name} {self.row_id} {self.state}>"

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.state in (HELD, LOST):
            self.end()

    def now(self) -> datetime:
        """The sender's clock: the moment it took the lease (which a caller may pass in),
        plus the time since."""
        return self._taken_at + timedelta(seconds=time.monotonic() - self._taken)

    def mine(self) -> sa.ColumnElement[bool]:
        """The row, while this lease still holds it."""
        return sa.and_(self.outbox.key == self.row_id, self.outbox.column.in_(list(self._values)))

    def release(self, connection: sa.Connection) -> None:
        """Within a record's write: give the row back now rather than when the lease ends."""
        connection.execute(
            sa.update(self.outbox.model).where(self.mine()).values({self.outbox.column: None})
        )

    def end(self) -> None:
        """Stop renewing; the row is free again when the lease runs out."""
        self.state = DONE
        _keeper().drop(self)

    def record(self, write: Write) -> bool:
        """Write what the hand-over did, on a fresh connection, until it is written: True when
        it was within a lease; False when the database was unreachable for that long, and
        then this process keeps the record and goes on trying (see `unrecorded`)."""
        deadline = time.monotonic() + self.length.total_seconds()
        pause = FIRST_PAUSE
        level = logging.WARNING
        while True:
            if self.try_write(write, level):
                self.end()
                return True
            level = logging.DEBUG  # one warning says it; the rest would only repeat it
            if time.monotonic() + pause > deadline:
                break
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)
        logger.warning(
            "%s %s was handed over but the database is unreachable: keeping its record in "
            "this process until it can be written",
            self.outbox.name,
            self.row_id,
        )
        self.state = KEPT
        _keeper().keep(self, write)
        return False

    def try_write(self, write: Write, level: int = logging.DEBUG) -> bool:
        with self._lock:
            what = f"the record of {self.outbox.name} {self.row_id}"
            return _write(self.engine, write, what, level)

    def renew_if_due(self) -> None:
        """Extend the lease once a third of it has passed (a lease that is busy writing
        its record is left alone)."""
        due = time.monotonic() - self.renewed >= self.length.total_seconds() / 3
        if not due or not self._lock.acquire(blocking=False):
            return
        try:
            if self.state in (HELD, KEPT):
                self._renew()
        finally:
            self._lock.release()

    def _renew(self) -> None:
        before = list(self._values)
        value = self.outbox.value(self.now(), self.length)
        renewed: list[int] = []

        def extend(connection: sa.Connection) -> None:
            result = connection.execute(
                sa.update(self.outbox.model)
                .where(self.outbox.key == self.row_id, self.outbox.column.in_(before))
                .values({self.outbox.column: value})
            )
            renewed.append(result.rowcount)

        what = f"the lease on {self.outbox.name} {self.row_id}"
        if not _write(self.engine, extend, what, logging.DEBUG):
            self._values = [*before, value][-4:]
            return
        if renewed == [1]:
            self._values = [value]
            self.renewed = time.monotonic()
        elif self.state == HELD:
            # Only a lease that ran out (the database was unreachable for all of it) is taken
            # by another sender; whatever this sender still does, its record stays idempotent.
            logger.warning("the lease on %s %s was lost", self.outbox.name, self.row_id)
            self.state = LOST


def take(
    outbox: Outbox,
    row_id: int,
    now: datetime,
    *conditions: sa.ColumnElement[bool],
    values: Mapping[Any, Any] | None = None,
) -> Lease | None:
    """Lease the row if nobody holds it and `conditions` hold, setting `values` with it;
    committed before it returns. None when another sender has it or it is done."""
    length = lease_length()
    taken = db.session.execute(
        sa.update(outbox.model)
        .where(outbox.key == row_id, outbox.free(now, length), *conditions)
        .values({outbox.column: outbox.value(now, length), **(values or {})})
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    lease = Lease(outbox, row_id, now, length, db.engine)
    _keeper().hold(lease)
    return lease


def let_go(session: Session | scoped_session[Any]) -> None:
    """End the session's transaction before a record is written on a connection of its own
    (on SQLite an open transaction would hold the lock it needs). A connection that died
    during the send cannot roll back; it is dropped, and that is all that was needed."""
    try:
        session.rollback()
    except sa.exc.DBAPIError as error:
        logger.info("rolling back on a dead connection: %s", _first_line(error))


def _write(engine: sa.Engine, write: Write, what: str, level: int) -> bool:
    """Run `write` in a transaction on a connection of its own; False if the database could
    not take it now, and then that connection is discarded rather than pooled again."""
    marker = intend_writes(True)
    try:
        with engine.connect() as connection:
            try:
                with connection.begin():
                    write(connection)
            except PASSING:
                connection.invalidate()
                raise
        return True
    except PASSING as error:
        logger.log(level, "could not write %s: %s", what, _first_line(error))
        return False
    finally:
        restore_intent(marker)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


class _Keeper:
    """This process's thread that renews the leases of sends in progress and writes the
    records the database could not take at once."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._leases: set[Lease] = set()
        self._records: dict[Lease, Write] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        threading.Thread(target=self._run, name="outbox-leases", daemon=True).start()

    def hold(self, lease: Lease) -> None:
        with self._lock:
            self._leases.add(lease)
        self._wake.set()

    def keep(self, lease: Lease, write: Write) -> None:
        with self._lock:
            self._leases.add(lease)
            self._records[lease] = write
        self._wake.set()

    def drop(self, lease: Lease) -> None:
        with self._lock:
            self._leases.discard(lease)
            self._records.pop(lease, None)

    def unrecorded(self) -> list[Lease]:
        with self._lock:
            return list(self._records)

    def _run(self) -> None:
        while True:
            with self._lock:
                leases = list(self._leases)
                records = dict(self._records)
            if not leases:
                self._wake.wait()
                self._wake.clear()
                continue
            for lease in leases:
                try:
                    self._tend(lease, records.get(lease))
                except Exception:  # the thread must outlive any one lease's trouble
                    # Not a database that is away (that passes) but a write that can never
                    # succeed: trying it again every second would only fill the log.
                    logger.exception("giving up %r", lease)
                    lease.end()
            shortest = min(lease.length.total_seconds() for lease in leases)
            self._wake.wait(min(max(shortest / 6, 0.02), LONGEST_PAUSE))
            self._wake.clear()

    def _tend(self, lease: Lease, write: Write | None) -> None:
        if write is not None and lease.try_write(write):
            logger.info("%s %s recorded at last", lease.outbox.name, lease.row_id)
            lease.end()
            return
        lease.renew_if_due()


_keepers: list[_Keeper] = []
_keepers_lock = threading.Lock()


def _keeper() -> _Keeper:
    with _keepers_lock:
        # A forked worker has the parent's keeper but not its thread: it starts its own.
        if not _keepers or _keepers[-1].pid != os.getpid():
            if not _keepers:
                atexit.register(_wait_at_exit)
            _keepers[:] = [_Keeper()]
        return _keepers[-1]


def unrecorded() -> list[Lease]:
    """The leases of rows handed over whose record this process still keeps."""
    with _keepers_lock:
        keeper = _keepers[-1] if _keepers and _keepers[-1].pid == os.getpid() else None
    return keeper.unrecorded() if keeper is not None else []


def wait_for_records(timeout: float) -> bool:
    """Wait until this process keeps no record unwritten; False if some remain after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while unrecorded():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _wait_at_exit() -> None:
    waiting = unrecorded()
    if not waiting:
        return
    longest = max(lease.length.total_seconds() for lease in waiting)
    if not wait_for_records(longest):
        logger.error(
            "exiting with %d records unwritten; their rows go out again when their leases "
            "run out: %s",
            len(unrecorded()),
            unrecorded(),
        )
