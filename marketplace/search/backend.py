"""What a search backend does. Whoosh implements it for one server (`whoosh_backend`), and
PostgreSQL full-text search for several app servers (`postgres_backend`); both must pass the
same contract tests (tests/search/test_backend_contract.py; docs/architecture.md, "Search").

The backend never reads the database itself: writers hand it a `resolve` callable that reads
the documents, which the backend calls while it holds its write lock, so that the last writer
always writes what the database holds last (see `indexing`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from marketplace.search.documents import ListingDocument
from marketplace.search.query import SearchQuery


@dataclass(frozen=True)
class DocumentBatch:
    """Documents to (re)write and listing ids to drop from the index."""

    documents: list[ListingDocument] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)

    @property
    def ids(self) -> set[int]:
        return {document.listing_id for document in self.documents} | set(self.removed)


@dataclass(frozen=True)
class CategoryFilter:
    """The category filter resolved to ids: a family, or one product type of a family."""

    family_id: int
    category_id: int | None = None


@dataclass(frozen=True)
class Hit:
    listing_id: int
    distance_km: float | None = None


@dataclass(frozen=True)
class Facets:
    """Counts of what each choice would give, with the other filters applied."""

    families: dict[int, int] = field(default_factory=dict)
    # Product types of the chosen family, when there is one.
    categories: dict[int, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    conditions: dict[str, int] = field(default_factory=dict)
    organisations: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    text: str
    total: int


@dataclass(frozen=True)
class BackendResult:
    hits: list[Hit]
    total: int
    facets: Facets
    suggestion: Suggestion | None = None


@dataclass(frozen=True)
class RebuildReport:
    documents: int
    caught_up: int
    seconds: float
    location: str


class SearchUnavailable(Exception):
    """The index cannot be read or written now (busy past the wait, missing, broken)."""


class SearchBackend(Protocol):
    name: str

    def search(
        self, query: SearchQuery, category: CategoryFilter | None, *, suggest: bool = True
    ) -> BackendResult: ...

    def update(self, resolve: Callable[[], DocumentBatch], timeout: float) -> int:
        """Under the write lock (waiting at most `timeout` seconds for it), call `resolve` and
        write its batch. Returns the number of documents written or removed."""
        ...

    def rebuild(
        self,
        documents: Callable[[], Iterable[ListingDocument]],
        catch_up: Callable[[set[int]], DocumentBatch],
    ) -> RebuildReport:
        """Build a new index from `documents` while searches continue on the old one, apply
        `catch_up` to the listings that changed meanwhile, and switch over atomically."""
        ...

    def fingerprints(self) -> dict[int, list[str]]:
        """Every indexed listing id with the fingerprints of its documents (more than one is
        drift too)."""
        ...

    def state(self) -> dict[str, Any]: ...

    def close(self) -> None: ...
