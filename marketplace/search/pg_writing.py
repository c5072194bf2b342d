"""Writing to the PostgreSQL backend's tables, and the advisory locks that order the writers.

A writer holds a transaction-level advisory lock while it calls `resolve` and upserts what it
returned, so the last writer always read last (the same promise as Whoosh's write lock, across
every process that shares the database). While a rebuild runs (see `pg_rebuild`), writers
also note the ids they wrote in `search_journal`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from marketplace.search import pg_schema
from marketplace.search.backend import DocumentBatch
from marketplace.search.documents import ListingDocument
from marketplace.search.pg_schema import Tables

# Advisory lock keys: (NAMESPACE, one of the numbers below), in every database we write.
NAMESPACE = int.from_bytes(b"KERA", "big")
WRITE_LOCK = 1  # held by each writer's transaction, and by a rebuild's switch
REBUILD_LOCK = 2  # one rebuild at a time
REBUILDING = 3  # held by a running rebuild; writers that cannot share it keep a journal
CREATE_LOCK = 4


def write_batch(connection: sa.Connection, generation: Tables, batch: DocumentBatch) -> None:
    d = generation.documents.c
    delta: dict[Any, int] = {}
    before = sa.select(*(d[name] for name in pg_schema.COUNTED))
    for row in connection.execute(before.where(d.listing_id.in_(batch.ids))):
        key = pg_schema.counted(row)
        delta[key] = delta.get(key, 0) - 1
    for document in batch.documents:
        key = pg_schema.counted(pg_schema.facts_row(document))
        delta[key] = delta.get(key, 0) + 1
    pg_schema.change_counts(connection, generation, delta)
    for table in (generation.documents, generation.texts):
        connection.execute(sa.delete(table).where(table.c.listing_id.in_(batch.removed)))
    documents = sorted(batch.documents, key=lambda document: document.listing_id)
    insert_documents(connection, generation, documents)
    words = set().union(*(pg_schema.vocabulary(document) for document in documents))
    if words:
        statement = pg_insert(generation.words).on_conflict_do_nothing(index_elements=["word"])
        connection.execute(statement, [{"word": word, "listings": 1} for word in sorted(words)])


def insert_documents(
    connection: sa.Connection, generation: Tables, documents: list[ListingDocument]
) -> int:
    """Upsert the documents' rows of `search_documents` and `search_texts`."""
    if not documents:
        return 0
    connection.execute(
        pg_schema.upsert_documents(generation),
        [pg_schema.document_row(document) for document in documents],
    )
    connection.execute(
        pg_schema.upsert_texts(generation), [pg_schema.text_row(document) for document in documents]
    )
    return len(documents)


def journal_if_rebuilding(connection: sa.Connection, ids: set[int]) -> None:
    """While a rebuild runs, note what the live tables received after it started. Sharing its
    lock fails only while it runs; otherwise the shared lock keeps one from starting until
    this write has committed, so the rebuild's reading then sees it."""
    if connection.scalar(sa.select(lock_call("pg_try_advisory_xact_lock_shared", REBUILDING))):
        return
    journal = pg_schema.journal()
    connection.execute(sa.insert(journal), [{"listing_id": listing_id} for listing_id in ids])


def lock_call(function: str, key: int) -> sa.ColumnElement[Any]:
    """A call of one of PostgreSQL's advisory lock functions on our lock `key`."""
    call: sa.ColumnElement[Any] = getattr(sa.func, function)(NAMESPACE, key)
    return call


def lock(connection: sa.Connection, key: int) -> None:
    """Wait for the lock until the transaction ends."""
    connection.execute(sa.select(lock_call("pg_advisory_xact_lock", key)))


def wait_for_lock(connection: sa.Connection, key: int, timeout: float) -> None:
    """`lock`, waiting `timeout` seconds at most (then PostgreSQL raises lock_not_available)."""
    milliseconds = str(max(1, round(timeout * 1000)))
    connection.execute(sa.select(sa.func.set_config("lock_timeout", milliseconds, True)))
    lock(connection, key)
    connection.execute(sa.select(sa.func.set_config("lock_timeout", "0", True)))
