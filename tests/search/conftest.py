"""Helpers for search tests: run a search as the page would, and wait for index writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from marketplace.search.indexing import extension
from marketplace.search.query import parse_query
from marketplace.search.services import SearchPage, search


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
