"""Keeping the index in step with the database: after commit, never before.

1. Collect. `after_flush` notes the listings a flush inserted, changed or deleted, and the
   sites, organisations and categories whose names or places listings show, in the session's
   `info`; and the people whose suspension started or ended (`auth.suspension` signals), since
   that decides whether their listings are searchable. ORM bulk UPDATEs of listings add the
   ids their WHERE clause names, or, when it names none (`flask listings expire`), a sweep of
   the listings updated since the statement ran.
   Core statements bypass the ORM: their callers name the listing with `listing_changed`.
2. Act after commit. The commit hands the collected changes to the process's index writer
   thread and waits for it, at most SEARCH_SYNC_WAIT seconds, so that a lister normally finds
   their listing at once and a busy index never holds a request for long. A rollback forgets
   them: a rolled-back listing never reaches the index.
3. Read under the lock. The writer thread takes the index's write lock first, then reads the
   documents on a connection of its own, then writes. Reading after the commit and while
   holding the lock means the last writer always read last, so concurrent commits (other
   requests, other processes, the job runner) cannot leave an older version in the index.
   The request's session is never used for this: after commit it would open a new transaction
   (BEGIN IMMEDIATE on SQLite, for a POST), and before commit it could read data that a later
   failure rolls back.
4. Repair. A write that fails (the index busy past SEARCH_LOCK_TIMEOUT, a full disk) is logged
   and retried for a while; `flask search check --repair` and `flask search reindex` mend
   anything left. Searches re-check every hit against the database, so drift never shows a
   listing that is gone.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import operators

from marketplace.auth import suspension
from marketplace.core.clock import utcnow
from marketplace.database import after_commit, read_only_transactions
from marketplace.extensions import db
from marketplace.models import Category, Listing, ListingPhoto, Organisation, Site, User
from marketplace.search import documents as docs
from marketplace.search.backend import DocumentBatch, SearchBackend, SearchUnavailable

logger = logging.getLogger(__name__)

CHANGES_KEY = "search_changes"
# What each kind of object contributes to a listing's document.
WATCHED = {
    Site: ("name", "city", "latitude", "longitude"),
    Organisation: ("name",),
    Category: ("name_fi", "name_sv", "name_en", "parent_id"),
}
SWEEP_MARGIN = timedelta(seconds=2)
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass
class Changes:
    listings: set[int] = field(default_factory=set)
    sites: set[int] = field(default_factory=set)
    organisations: set[int] = field(default_factory=set)
    categories: set[int] = field(default_factory=set)
    # People whose suspension started or ended: their listings' searchability changed.
    owners: set[int] = field(default_factory=set)
    # Listings updated since then, by statements that did not say which.
    since: datetime | None = None

    def merge(self, other: Changes) -> None:
        self.listings |= other.listings
        self.sites |= other.sites
        self.organisations |= other.organisations
        self.categories |= other.categories
        self.owners |= other.owners
        if other.since is not None:
            self.since = other.since if self.since is None else min(self.since, other.since)

    def __bool__(self) -> bool:
        return bool(
            self.listings
            or self.sites
            or self.organisations
            or self.categories
            or self.owners
            or self.since
        )


def resolve(engine: sa.Engine, changes: Changes) -> DocumentBatch:
    """The documents of every listing the changes touch, as the database holds them now."""
    with read_only_transactions(), engine.connect() as connection:
        ids = set(changes.listings)
        ids |= docs.listings_touching(
            connection, changes.sites, changes.organisations, changes.categories
        )
        ids |= docs.active_listings_of(connection, changes.owners)
        if changes.since is not None:
            ids |= docs.listings_updated_since(connection, changes.since)
        found = docs.load_documents(connection, ids)
        connection.rollback()
    return DocumentBatch(list(found.values()), sorted(ids - set(found)))


class IndexSync:
    """The process's index writer: one thread, started when there is work and ending when
    there is none, that merges whatever accumulated while it wrote into one index write."""

    def __init__(self, backend: SearchBackend, engine: sa.Engine, lock_timeout: float) -> None:
        self.backend = backend
        self.engine = engine
        self.lock_timeout = lock_timeout
        self._reset()
        _all_syncs.add(self)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._mutex = threading.Lock()
        self._pending = Changes()
        self._waiting: list[threading.Event] = []
        self._thread: threading.Thread | None = None

    def submit(self, changes: Changes) -> threading.Event:
        """Queue changes; the event is set once a write including them has been attempted."""
        if self._pid != os.getpid():
            self._reset()  # a forked worker inherits no thread, only its parent's state
        done = threading.Event()
        with self._mutex:
            self._pending.merge(changes)
            self._waiting.append(done)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="search-index-writer", daemon=True
                )
                self._thread.start()
        return done

    def _run(self) -> None:
        while True:
            with self._mutex:
                if not self._pending:
                    self._thread = None
                    for event in self._waiting:
                        event.set()
                    self._waiting = []
                    return
                changes, self._pending = self._pending, Changes()
                waiting, self._waiting = self._waiting, []
            try:
                self._apply_with_retries(changes)
            finally:
                for event in waiting:
                    event.set()

    def _apply_with_retries(self, changes: Changes) -> None:
        for delay in (*RETRY_DELAYS, None):
            try:
                self.apply(changes)
                return
            except SearchUnavailable as error:
                if delay is None:
                    logger.error("search index not updated (%s); run flask search check", error)
                    return
                logger.warning("search index busy (%s); retrying in %.1f s", error, delay)
                time.sleep(delay)
            except Exception:
                logger.exception("search index not updated; run flask search check --repair")
                return

    def apply(self, changes: Changes) -> int:
        """Write the changes now, in this thread."""
        return self.backend.update(partial(resolve, self.engine, changes), self.lock_timeout)

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued (at exit, and in tests)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._mutex:
                thread = self._thread
            if thread is None or self._pid != os.getpid():
                return True
            thread.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                return thread is None or not thread.is_alive()


_all_syncs: weakref.WeakSet[IndexSync] = weakref.WeakSet()


@atexit.register
def _drain_at_exit() -> None:
    # A CLI command that ends right after its commit still gets its index writes.
    for sync in list(_all_syncs):
        sync.drain(timeout=30)


@dataclass
class SearchExtension:
    backend: SearchBackend
    sync: IndexSync
    wait: float

    def committed(self, changes: Changes) -> None:
        if changes:
            self.sync.submit(changes).wait(self.wait)


def extension(app: Flask | None = None) -> SearchExtension:
    found: SearchExtension = (app or current_app).extensions["search"]
    return found


def _changes_for(session: Session | scoped_session[Any]) -> Changes | None:
    """The changes this session's transaction has collected so far, or None when no search is
    registered (migrations, scripts without an app)."""
    if not has_app_context():
        return None
    search = current_app.extensions.get("search")
    if search is None:
        return None
    changes: Changes | None = session.info.get(CHANGES_KEY)
    if changes is None:
        changes = Changes()
        session.info[CHANGES_KEY] = changes
        after_commit(session, partial(_committed, session, search, changes))
    return changes


def _committed(
    session: Session | scoped_session[Any], search: SearchExtension, changes: Changes
) -> None:
    session.info.pop(CHANGES_KEY, None)
    search.committed(changes)


def listing_changed(session: Session | scoped_session[Any], listing_id: int) -> None:
    """(Re)index the listing once `session` commits, and not at all if it rolls back. For
    changes the ORM does not see, such as Core `UPDATE listings ...` statements; call it in
    the same transaction as the change."""
    changes = _changes_for(session)
    if changes is not None:
        changes.listings.add(listing_id)


def _owner_changed(user: User, **_extra: Any) -> None:
    """Subscribed to the start and end of a suspension, inside its transaction."""
    changes = _changes_for(db.session)
    if changes is not None:
        changes.owners.add(user.id)


def _changed_attributes(instance: object, names: Iterable[str]) -> bool:
    state = sa.inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, _context: Any) -> None:
    changes = _changes_for(session)
    if changes is None:
        return
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, Listing):
            changes.listings.add(instance.id)
        elif isinstance(instance, ListingPhoto):
            changes.listings.add(instance.listing_id)
        elif isinstance(instance, Site | Organisation | Category):
            if instance in session.dirty and not _changed_attributes(
                instance, WATCHED[type(instance)]
            ):
                continue
            target = {Site: changes.sites, Organisation: changes.organisations}
            target.get(type(instance), changes.categories).add(instance.id)


def _ids_named(where: sa.ColumnElement[Any] | None) -> set[int] | None:
    """The listing ids a WHERE clause limits an UPDATE to (`id = :x`, `id IN (...)` joined by
    AND), or None when it does not limit it to named ids."""
    if where is None:
        return None
    clauses = list(where.clauses) if _is_and(where) else [where]
    for clause in clauses:
        ids = _ids_in(clause)
        if ids is not None:
            return ids
    return None


def _is_and(clause: Any) -> bool:
    return isinstance(clause, sa.sql.elements.BooleanClauseList) and (
        clause.operator is operators.and_
    )


def _ids_in(clause: Any) -> set[int] | None:
    left, right = getattr(clause, "left", None), getattr(clause, "right", None)
    is_id = isinstance(left, sa.Column) and left.table.name == "listings" and left.name == "id"
    if not is_id or not isinstance(right, sa.BindParameter):
        return None
    if clause.operator is operators.eq and isinstance(right.value, int):
        return {right.value}
    if clause.operator is operators.in_op and isinstance(right.value, list | tuple):
        return {int(value) for value in right.value}
    return None


def _on_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    if not any(mapper.class_ is Listing for mapper in state.all_mappers):
        return
    changes = _changes_for(state.session)
    if changes is None:
        return
    ids = _ids_named(getattr(state.statement, "whereclause", None))
    if ids is not None:
        changes.listings |= ids
    else:
        since = utcnow() - SWEEP_MARGIN
        changes.since = since if changes.since is None else min(changes.since, since)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(CHANGES_KEY, None)


_hooks_installed = False


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    sa.event.listen(Session, "after_flush", _after_flush)
    sa.event.listen(Session, "do_orm_execute", _on_orm_execute)
    sa.event.listen(Session, "after_rollback", _forget)
    # Strong references: the subscribers must live as long as the process does.
    suspension.suspended.connect(_owner_changed, weak=False)
    suspension.reinstated.connect(_owner_changed, weak=False)
    _hooks_installed = True


def reading_engine(engine: sa.Engine) -> sa.Engine:
    """An engine for the index's own reads, whose connections are opened per use and always
    closed: the writer thread may outlive a pool (tests dispose theirs), and a pooled
    connection handed back to a disposed pool would be left for the garbage collector."""
    options: dict[str, Any] = {"poolclass": NullPool}
    if engine.dialect.name == "sqlite":
        options["connect_args"] = {"timeout": 30}
    return sa.create_engine(engine.url, **options)


BACKENDS = ("whoosh", "postgres")


def make_backend(app: Flask, engine: sa.Engine, reading: sa.Engine) -> SearchBackend:
    """The backend SEARCH_BACKEND names, imported only then: the PostgreSQL backend runs
    where Whoosh is not installed. PostgreSQL's searches share the app's pool; its writes,
    like the documents' reads, use connections that never outlive their use."""
    name = app.config.get("SEARCH_BACKEND", "whoosh")
    if name not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    if name == "whoosh":
        from marketplace.search.whoosh_backend import WhooshBackend

        return WhooshBackend(app.config["SEARCH_INDEX_DIR"])
    if engine.dialect.name != "postgresql":
        raise RuntimeError(
            "SEARCH_BACKEND=postgres needs a PostgreSQL database (DATABASE_URL), and this one is "
            f"{engine.dialect.name}; use SEARCH_BACKEND=whoosh with SQLite"
        )
    from marketplace.search.postgres_backend import PostgresBackend

    return PostgresBackend(engine, reading)


def register_search(app: Flask) -> None:
    with app.app_context():
        engine = reading_engine(db.engine)
        backend = make_backend(app, db.engine, engine)
    sync = IndexSync(backend, engine, float(app.config.get("SEARCH_LOCK_TIMEOUT", 10.0)))
    app.extensions["search"] = SearchExtension(
        backend, sync, float(app.config.get("SEARCH_SYNC_WAIT", 2.0))
    )
    _install_hooks()
