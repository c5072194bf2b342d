"""The PostgreSQL backend: full-text search in the database the app already uses, for
deployments with several app servers (SEARCH_BACKEND=postgres). It needs no search engine
besides PostgreSQL and its pg_trgm extension.

    pg_schema       the tables, and what a listing writes to them
    pg_query        a search's words and filters as SQL conditions
    pg_search       one search: matching, ranking and the page
    pg_facets       the total and the facet counts
    pg_suggestions  "did you mean"
    pg_writing      writes, and the advisory locks that order them
    pg_rebuild      `flask search reindex`: new tables filled aside, then switched in
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from marketplace.search import pg_rebuild, pg_schema
from marketplace.search.analysis import meaningful_words
from marketplace.search.backend import (
    BackendResult,
    CategoryFilter,
    DocumentBatch,
    Facets,
    RebuildReport,
    SearchUnavailable,
)
from marketplace.search.documents import ListingDocument
from marketplace.search.pg_search import Search
from marketplace.search.pg_suggestions import suggestion
from marketplace.search.pg_writing import (
    CREATE_LOCK,
    REBUILDING,
    WRITE_LOCK,
    journal_if_rebuilding,
    lock,
    lock_call,
    wait_for_lock,
    write_batch,
)
from marketplace.search.query import MAX_WORDS, SearchQuery

SEARCH_SETTINGS = (
    # A search waits this long at most for a rebuild's switch.
    ("lock_timeout", "5s"),
    # Searches are many and short: on a few cores, parallel workers and JIT compilation
    # cost more to start than they save.
    ("max_parallel_workers_per_gather", "0"),
    ("jit", "off"),
    # The search tables are read from memory: with the default (4) the planner scans every
    # listing rather than visit the few thousand rows a common word's GIN index names.
    ("random_page_cost", "1.1"),
)


class PostgresBackend:
    name = "postgres"

    def __init__(self, engine: sa.Engine, write_engine: sa.Engine | None = None) -> None:
        """`engine` serves searches (a pool); `write_engine` the writer thread and rebuilds,
        whose connections may outlive a request (the app passes an engine without a pool)."""
        self.engine = engine
        self.write_engine = write_engine or engine
        self.live = pg_schema.tables()
        self.next = pg_schema.tables(pg_schema.NEXT)
        self._ready = False

    # Reading

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        """One read-only snapshot for all of a search's statements."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            connection.execute(
                sa.select(*(sa.func.set_config(k, v, True) for k, v in SEARCH_SETTINGS))
            )
            try:
                yield connection
            finally:
                connection.rollback()

    def _built(self, connection: sa.Connection) -> bool:
        if not self._ready:
            self._ready = pg_schema.layout_of(connection) is not None
        return self._ready

    def search(
        self, query: SearchQuery, category: CategoryFilter | None, *, suggest: bool = True
    ) -> BackendResult:
        words = meaningful_words(query.text, MAX_WORDS)
        try:
            with self._reading() as connection:
                if not self._built(connection):
                    return BackendResult(hits=[], total=0, facets=Facets())
                search = Search(connection, self.live, query, category, words)
                facets, total, hits = search.run()
                offered = suggestion(search, total) if suggest and words else None
                return BackendResult(hits=hits, total=total, facets=facets, suggestion=offered)
        except sa.exc.OperationalError as error:
            raise SearchUnavailable(str(error.orig)) from error
        except sa.exc.ProgrammingError as error:
            if _outdated(error):
                raise SearchUnavailable(f"{error.orig}; run flask search reindex") from error
            raise

    # Writing

    def _ensure(self) -> None:
        """Create the extension and the tables on first use, once per process."""
        if self._ready:
            return
        try:
            with self.write_engine.begin() as connection:
                lock(connection, CREATE_LOCK)
                pg_schema.create_extensions(connection)
                if pg_schema.layout_of(connection) is None:
                    pg_schema.create_tables(connection, self.live)
                pg_schema.create_journal(connection)
        except sa.exc.ProgrammingError as error:
            raise SearchUnavailable(
                f"cannot create the search tables ({error.orig}); a superuser can run "
                "CREATE EXTENSION pg_trgm in this database"
            ) from error
        self._ready = True

    def update(self, resolve: Callable[[], DocumentBatch], timeout: float) -> int:
        self._ensure()
        try:
            with self.write_engine.begin() as connection:
                wait_for_lock(connection, WRITE_LOCK, timeout)
                batch = resolve()
                if not batch.ids:
                    return 0
                write_batch(connection, self.live, batch)
                journal_if_rebuilding(connection, batch.ids)
        except sa.exc.OperationalError as error:
            if _timed_out(error):
                raise SearchUnavailable("the search index is busy") from error
            raise SearchUnavailable(str(error.orig)) from error
        except sa.exc.ProgrammingError as error:
            if _outdated(error):
                raise SearchUnavailable(f"{error.orig}; run flask search reindex") from error
            raise
        return len(batch.ids)

    def rebuild(
        self,
        documents: Callable[[], Iterable[ListingDocument]],
        catch_up: Callable[[set[int]], DocumentBatch],
    ) -> RebuildReport:
        started = time.monotonic()
        self._ensure()
        count, caught_up = pg_rebuild.rebuild(
            self.write_engine, self.live, self.next, documents, catch_up
        )
        return RebuildReport(count, caught_up, time.monotonic() - started, self.live.documents.name)

    # Checking

    def fingerprints(self) -> dict[int, list[str]]:
        with self._reading() as connection:
            if not self._built(connection):
                return {}
            d = self.live.documents.c
            rows = connection.execute(sa.select(d.listing_id, d.fingerprint))
            return {row.listing_id: [row.fingerprint] for row in rows}

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"status": "ok", "backend": self.name}
        with self._reading() as connection:
            layout = pg_schema.layout_of(connection)
            if layout is None:
                return {**state, "built": False}
            documents = connection.scalar(
                sa.select(sa.func.count()).select_from(self.live.documents)
            )
            rebuilding = not connection.scalar(
                sa.select(lock_call("pg_try_advisory_xact_lock_shared", REBUILDING))
            )
        state.update(
            built=True,
            tables=self.live.documents.name,
            documents=documents,
            rebuilding=rebuilding,
        )
        if layout != pg_schema.LAYOUT_COMMENT:
            state["status"] = "error"
            state["detail"] = (
                "the search tables were built by another version; run flask search reindex"
            )
        return state

    def close(self) -> None:
        """The engines belong to whoever passed them."""


def _outdated(error: sa.exc.ProgrammingError) -> bool:
    """Tables of an older layout lack what this version reads or writes: unavailable until
    `flask search reindex` (the health check says so too). Other errors are bugs."""
    return getattr(error.orig, "sqlstate", None) in ("42P01", "42703")  # no table, column


def _timed_out(error: sa.exc.OperationalError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "55P03"  # lock_not_available
