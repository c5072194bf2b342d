"""Rebuilding the PostgreSQL backend's tables (`flask search reindex`).

A rebuild fills new tables while searches and writers carry on with the live ones; writers
meanwhile note the ids they wrote in `search_journal`; the rebuild then takes the write lock,
catches up those listings, and renames the new tables into place in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa

from marketplace.search import pg_schema
from marketplace.search.backend import DocumentBatch, SearchUnavailable
from marketplace.search.documents import ListingDocument
from marketplace.search.pg_schema import Tables
from marketplace.search.pg_writing import (
    REBUILD_LOCK,
    REBUILDING,
    WRITE_LOCK,
    insert_documents,
    lock_call,
    wait_for_lock,
    write_batch,
)

SWITCH_WAIT_SECONDS = 120.0
BATCH = 500


def rebuild(
    engine: sa.Engine,
    live: Tables,
    next_tables: Tables,
    documents: Callable[[], Iterable[ListingDocument]],
    catch_up: Callable[[set[int]], DocumentBatch],
) -> tuple[int, int]:
    """Build `next_tables` from `documents` and put them in the place of `live`; returns how
    many documents were written, and how many listings were caught up afterwards."""
    with engine.connect() as connection:
        if not connection.scalar(sa.select(lock_call("pg_try_advisory_lock", REBUILD_LOCK))):
            raise SearchUnavailable("another rebuild of the search index is running")
        try:
            # Writers that started before this finish first; later ones keep a journal.
            connection.execute(sa.select(lock_call("pg_advisory_lock", REBUILDING)))
            return _rebuild(engine, connection, live, next_tables, documents, catch_up)
        finally:
            connection.rollback()
            connection.execute(sa.select(sa.func.pg_advisory_unlock_all()))
            connection.commit()


def _rebuild(
    engine: sa.Engine,
    connection: sa.Connection,
    live: Tables,
    next_tables: Tables,
    documents: Callable[[], Iterable[ListingDocument]],
    catch_up: Callable[[set[int]], DocumentBatch],
) -> tuple[int, int]:
    connection.execute(sa.delete(pg_schema.journal()))
    pg_schema.drop_tables(connection, next_tables)
    pg_schema.create_tables(connection, next_tables, indexes=False)
    connection.commit()
    try:
        count = _bulk_write(connection, next_tables, documents())
        connection.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        pg_schema.create_indexes(connection, next_tables)
        connection.commit()
        _vacuum(engine, next_tables)
        caught_up = _switch(connection, live, next_tables, catch_up)
    except BaseException:
        connection.rollback()
        pg_schema.drop_tables(connection, next_tables)
        connection.commit()
        raise
    _vacuum(engine, live)
    return count, caught_up


def _bulk_write(
    connection: sa.Connection, generation: Tables, documents: Iterable[ListingDocument]
) -> int:
    count, batch = 0, []
    vocabulary: dict[str, int] = {}
    for document in documents:
        batch.append(document)
        for word in pg_schema.vocabulary(document):
            vocabulary[word] = vocabulary.get(word, 0) + 1
        if len(batch) == BATCH:
            count += insert_documents(connection, generation, batch)
            batch = []
    count += insert_documents(connection, generation, batch)
    rows = [{"word": word, "listings": n} for word, n in vocabulary.items()]
    for start in range(0, len(rows), 5000):
        connection.execute(sa.insert(generation.words), rows[start : start + 5000])
    pg_schema.fill_counts(connection, generation)
    return count


def _switch(
    connection: sa.Connection,
    live: Tables,
    next_tables: Tables,
    catch_up: Callable[[set[int]], DocumentBatch],
) -> int:
    """With the write lock held nothing more is written to the live tables: bring the new
    ones up to date with what was written meanwhile, then rename them into place."""
    wait_for_lock(connection, WRITE_LOCK, SWITCH_WAIT_SECONDS)
    journal = pg_schema.journal()
    changed = set(connection.scalars(sa.select(journal.c.listing_id).distinct()))
    if changed:
        write_batch(connection, next_tables, catch_up(changed))
    # Live tables first, in the order searches name them, so neither waits on the other.
    for table in live.all:
        connection.execute(sa.text(f'LOCK TABLE "{table.name}" IN ACCESS EXCLUSIVE MODE'))
    pg_schema.drop_tables(connection, live)
    pg_schema.rename(connection, next_tables, live)
    pg_schema.mark_layout(connection, live)
    connection.execute(sa.delete(journal))
    connection.commit()
    return len(changed)


def _vacuum(engine: sa.Engine, generation: Tables) -> None:
    """Statistics for the planner, and a visibility map so that index scans skip the heap."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in generation.all:
            connection.execute(sa.text(f'VACUUM (ANALYZE) "{table.name}"'))
