"""Helpers for search tests: run a search as the page would, and wait for index writes.

Which backend: tests that compare the backends parametrise `search_backend` (see
`BACKEND_CASES`); every other test uses the one SEARCH_BACKEND names, as the app would.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.search.backend import SearchBackend
from marketplace.search.indexing import extension
from marketplace.search.query import parse_query
from marketplace.search.services import SearchPage, search
from marketplace.search.whoosh_backend import WhooshBackend

POSTGRES_ONLY = "the PostgreSQL search backend needs a PostgreSQL database: set TEST_DATABASE_URL"
# (database, search backend) pairs for tests that must pass on both backends; the
# PostgreSQL backend refuses SQLite, so it runs only where TEST_DATABASE_URL is set.
BACKEND_CASES = [
    pytest.param("sqlite", "whoosh", id="sqlite-whoosh"),
    *(
        [pytest.param("postgresql", "whoosh", id="postgresql-whoosh")]
        if os.environ.get("TEST_DATABASE_URL")
        else []
    ),
    pytest.param(
        "postgresql",
        "postgres",
        id="postgresql-postgres",
        marks=[] if os.environ.get("TEST_DATABASE_URL") else [pytest.mark.skip(POSTGRES_ONLY)],
    ),
]
every_backend = pytest.mark.parametrize(
    ("database_url", "search_backend"), BACKEND_CASES, indirect=["database_url"]
)


STANDALONE_BACKENDS = [
    "whoosh",
    pytest.param(
        "postgres",
        marks=[] if os.environ.get("TEST_DATABASE_URL") else [pytest.mark.skip(POSTGRES_ONLY)],
    ),
]


def open_backend(name: str, location: str) -> tuple[SearchBackend, Callable[[], None]]:
    """A backend outside any app: Whoosh in a folder, PostgreSQL at a database URL. Also
    called in spawned processes. Returns it and what closes it."""
    if name == "whoosh":
        whoosh = WhooshBackend(location)
        return whoosh, whoosh.close
    from marketplace.search.postgres_backend import PostgresBackend

    engine = sa.create_engine(location)
    postgres = PostgresBackend(engine)

    def close() -> None:
        postgres.close()
        engine.dispose()

    return postgres, close


@pytest.fixture(params=STANDALONE_BACKENDS)
def standalone(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(backend name, location) of an empty index of each backend, emptied again after."""
    if request.param == "whoosh":
        yield "whoosh", str(tmp_path / "index")
        return
    from tests.conftest import empty_postgres

    url = request.getfixturevalue("postgres_database")
    yield "postgres", url
    empty_postgres(url)


class WriteLock:
    """The index's write lock as another process would hold it: Whoosh's lock file, or the
    PostgreSQL backend's advisory lock on a connection of its own."""

    def __init__(self, app: Flask) -> None:
        backend = extension(app).backend
        self._connection: sa.Connection | None = None
        if isinstance(backend, WhooshBackend):
            self._lock: Any = backend.store.open(backend.store.current()).lock("WRITELOCK")
            return
        from marketplace.search import pg_writing

        self._engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        key = (pg_writing.NAMESPACE, pg_writing.WRITE_LOCK)
        self._sql = {
            name: sa.select(getattr(sa.func, name)(*key))
            for name in ("pg_try_advisory_lock", "pg_advisory_unlock")
        }

    def acquire(self) -> bool:
        if self._connection is None:
            return bool(self._lock.acquire(False))
        return bool(self._connection.scalar(self._sql["pg_try_advisory_lock"]))

    def release(self) -> None:
        if self._connection is None:
            self._lock.release()
        else:
            self._connection.scalar(self._sql["pg_advisory_unlock"])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._engine.dispose()


@pytest.fixture
def write_lock(app: Flask) -> Iterator[WriteLock]:
    lock = WriteLock(app)
    yield lock
    lock.close()


@pytest.fixture
def search_backend() -> str | None:
    """The backend a test asks for by parametrising this; None: what SEARCH_BACKEND says."""
    return None


@pytest.fixture
def app_config(app_config: dict[str, Any], search_backend: str | None) -> dict[str, Any]:
    if search_backend is not None:
        app_config["SEARCH_BACKEND"] = search_backend
    return app_config


@pytest.fixture
def find(app: Flask) -> Callable[..., SearchPage]:
    """Search with query arguments as strings, the way a browser sends them."""

    def run(**args: Any) -> SearchPage:
        query, problems = parse_query({key: str(value) for key, value in args.items()})
        return search(query, problems)

    return run


@pytest.fixture
def settle(app: Flask) -> Callable[[], None]:
    """Wait until this app's index writer has nothing left to do."""

    def wait() -> None:
        assert extension(app).sync.drain(timeout=30)

    return wait


def ids(page: SearchPage) -> list[int]:
    return [result.listing.id for result in page.results]


def titles(page: SearchPage) -> list[str]:
    return [result.listing.title for result in page.results]
