"""Fixtures for fault tests: the app's PostgreSQL or Redis behind a FaultyProxy (proxy.py), so a
test can refuse, stall or cut the connections and see what the product does.

Ask for `outage_app` (PostgreSQL) or `limited_app` (Redis) instead of `app`: each sets the app
up behind its proxy, and sets the proxy forwarding again before the app is torn down.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import TEST_DATABASE_URL
from tests.faults.proxy import FaultyProxy

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

# Only PostgreSQL runs behind the proxy: SQLite is a file, with nothing between to fail.
postgres_only = pytest.mark.parametrize(
    "database_url",
    [
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL"),
        )
    ],
    indirect=True,
)

# Small timeouts keep each fault to seconds (libpq waits at least 2 s for a connection).
FAST_DATABASE_TIMEOUTS = {
    "DATABASE_CONNECT_TIMEOUT": 2,
    "DATABASE_STATEMENT_TIMEOUT": 2,
    "DATABASE_POOL_TIMEOUT": 2,
}
RETRY_AFTER = 30


@pytest.fixture
def database_proxy(app_config: dict[str, Any], database_url: str) -> Iterator[FaultyProxy]:
    """A proxy in front of the test's PostgreSQL database, which the app is set to use."""
    url = sa.engine.make_url(app_config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("the proxy stands in front of PostgreSQL")
    proxy = FaultyProxy(url.host or "127.0.0.1", url.port or 5432)
    app_config["SQLALCHEMY_DATABASE_URI"] = url.set(
        host="127.0.0.1", port=proxy.port
    ).render_as_string(hide_password=False)
    app_config.update(FAST_DATABASE_TIMEOUTS, UNAVAILABLE_RETRY_AFTER=RETRY_AFTER)
    yield proxy
    proxy.close()


@pytest.fixture
def outage_app(database_proxy: FaultyProxy, app: Flask) -> Iterator[Flask]:
    """The app, on PostgreSQL through `database_proxy`."""
    yield app
    database_proxy.set("forward")


@pytest.fixture
def redis_proxy(app_config: dict[str, Any]) -> Iterator[FaultyProxy]:
    """A proxy in front of the test's Redis database, where the app counts rate limits."""
    if not TEST_REDIS_URL:
        pytest.skip("needs TEST_REDIS_URL")
    target = urlsplit(TEST_REDIS_URL)
    proxy = FaultyProxy(target.hostname or "127.0.0.1", target.port or 6379)
    app_config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{proxy.port}{target.path}"
    app_config["RATELIMIT_STORAGE_TIMEOUT"] = 0.5
    yield proxy
    proxy.close()


@pytest.fixture
def limited_app(redis_proxy: FaultyProxy, app: Flask) -> Iterator[Flask]:
    """The app, counting rate limits in Redis through `redis_proxy`."""
    yield app
    redis_proxy.set("forward")


def down(proxy: FaultyProxy) -> None:
    """The server is gone: new connections are refused and open ones are dropped."""
    proxy.set("refuse")
    proxy.cut()
