"""What every search backend must do, whatever its engine: Whoosh and PostgreSQL pass the same
tests (docs/architecture.md, "Search"). Documents are made here, without the app's database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from marketplace.models import Condition, ListingKind
from marketplace.search.backend import CategoryFilter, DocumentBatch, SearchBackend
from marketplace.search.documents import ListingDocument
from marketplace.search.geo import Point
from marketplace.search.query import SearchQuery, Sort
from tests.search.conftest import open_backend

pytestmark = pytest.mark.search

KERA = Point(60.2172, 24.7535)


def document(listing_id: int, **changes: Any) -> ListingDocument:
    base = ListingDocument(
        listing_id=listing_id,
        kind="material",
        language="fi",
        title=f"Lauta {listing_id}",
        description="Höylättyä mäntyä.",
        category_id=2,
        family_id=1,
        category_names={
            "fi": ("Sahatavara", "Puu"),
            "sv": ("Sågat virke", "Trä"),
            "en": ("Sawn timber", "Wood"),
        },
        condition="good",
        organisation_id=None,
        place_text="Kera Espoo",
        free=True,
        price_cents=0,
        latitude=KERA.lat,
        longitude=KERA.lon,
        published=1_790_000_000 + listing_id,
    )
    return replace(base, **changes)


@pytest.fixture
def backend(standalone: tuple[str, str]) -> Iterator[SearchBackend]:
    made, close = open_backend(*standalone)
    yield made
    close()


def write(
    backend: SearchBackend, *documents: ListingDocument, removed: tuple[int, ...] = ()
) -> int:
    batch = DocumentBatch(list(documents), list(removed))
    return backend.update(lambda: batch, timeout=5)


def found(backend: SearchBackend, **query: Any) -> list[int]:
    category = query.pop("category", None)
    result = backend.search(SearchQuery(**query), category)
    return [hit.listing_id for hit in result.hits]


def test_written_documents_are_found_and_removed_ones_are_not(backend: SearchBackend) -> None:
    assert found(backend) == []
    assert write(backend, document(1), document(2)) == 2
    assert sorted(found(backend, text="lauta")) == [1, 2]
    write(backend, removed=(1,))
    assert found(backend, text="lauta") == [2]
    # Writing a listing again replaces it: never two documents for one listing.
    write(backend, document(2, title="Vaneri"))
    assert found(backend, text="lauta") == []
    assert backend.fingerprints() == {2: [document(2, title="Vaneri").fingerprint()]}


def test_filters_facets_sorting_and_paging(backend: SearchBackend) -> None:
    write(
        backend,
        document(1, price_cents=500, free=False, published=1_790_000_003),
        document(2, kind="equipment", condition=None, published=1_790_000_002),
        document(3, category_id=5, family_id=4, condition="fair", organisation_id=7),
        document(4, latitude=60.1757, longitude=24.8049, price_cents=250, free=False),
    )
    assert found(backend, kind=ListingKind.EQUIPMENT) == [2]
    assert found(backend, category=CategoryFilter(family_id=4)) == [3]
    assert found(backend, category=CategoryFilter(family_id=1, category_id=2), free=True) == [2]
    assert found(backend, condition=Condition.FAIR, organisation=7) == [3]
    assert found(backend, min_price_cents=100, max_price_cents=400) == [4]
    assert found(backend, sort=Sort.PRICE)[-2:] == [4, 1]
    assert found(backend, near=KERA, radius_km=2, sort=Sort.NEAREST)[-1] != 4
    assert 4 not in found(backend, near=KERA, radius_km=2)
    # Newest first, ties to the higher id: 4, 3, 1, 2.
    assert found(backend, sort=Sort.NEWEST, per_page=2, page=2) == [1, 2]
    first, second = found(backend, per_page=2), found(backend, per_page=2, page=2)
    assert len(first) == len(second) == 2 and not set(first) & set(second)
    result = backend.search(SearchQuery(kind=ListingKind.MATERIAL), None)
    assert result.total == 3
    # Each facet counts with the other filters applied, but not its own.
    assert result.facets.kinds == {"material": 3, "equipment": 1}
    assert result.facets.families == {1: 2, 4: 1}
    assert result.facets.conditions == {"good": 2, "fair": 1}


def test_facet_counts_follow_rewrites_and_removals(backend: SearchBackend) -> None:
    write(backend, document(1), document(2), document(3, kind="equipment", condition=None))
    write(backend, document(1, condition="fair", family_id=4, category_id=5), removed=(2,))
    write(backend, document(3, free=False, price_cents=100, condition=None))
    write(backend, removed=(99,))  # never indexed: changes nothing
    browse = backend.search(SearchQuery(), None)
    assert browse.total == 2
    assert browse.facets.kinds == {"material": 2}
    assert browse.facets.families == {1: 1, 4: 1}
    assert browse.facets.conditions == {"fair": 1}
    free = backend.search(SearchQuery(free=True), None)
    assert free.total == 1 and free.facets.families == {4: 1}
    # A price range makes every backend count the listings themselves: the same answer.
    priced = backend.search(SearchQuery(max_price_cents=1000), None)
    assert (priced.total, priced.facets) == (browse.total, browse.facets)


def test_a_page_past_the_end_is_empty_with_the_total(backend: SearchBackend) -> None:
    write(backend, document(1), document(2))
    result = backend.search(SearchQuery(page=50, per_page=10), None)
    assert result.hits == [] and result.total == 2


def test_rebuild_replaces_everything(backend: SearchBackend) -> None:
    write(backend, document(1), document(2))
    report = backend.rebuild(lambda: iter([document(3)]), lambda ids: DocumentBatch())
    assert report.documents == 1
    assert found(backend) == [3]
    assert backend.state()["status"] == "ok"
