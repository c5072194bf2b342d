"""The total and every facet of a PostgreSQL search, each facet counted with the other filters
but not its own.

One grouped query gives them all: grouped by the facet columns themselves, the counts are
added up in Python. A search without words, price, radius or organisation (browsing, a
category, the home page) groups the few rows of `search_counts` instead, which every write
keeps up to date, and counts organisations separately.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from marketplace.search.backend import CategoryFilter, Facets
from marketplace.search.pg_query import Filters, filters
from marketplace.search.query import SearchQuery


@dataclass(frozen=True)
class Combination:
    """How many matching listings share these facet values (from the grouped count)."""

    category_id: int
    family_id: int
    kind: str
    condition: str | None
    count: int


def kept_counts_answer(query: SearchQuery) -> bool:
    """Whether `search_counts` holds the answer to a search without words: no filter but
    the ones it groups by."""
    return (
        query.min_price_cents is None
        and query.max_price_cents is None
        and (query.near is None or query.radius_km is None)
        and query.organisation is None
    )


def grouped(c: Any, f: Filters) -> sa.Select[Any]:
    """Listings by (type, family, kind, condition) with the organisation filter applied, and
    by organisation with the others applied, in one grouped query over the columns `c`."""
    others = f.combination()
    return sa.select(
        c.category_id,
        c.family_id,
        c.kind,
        c.condition,
        c.organisation_id,
        sa.func.grouping(c.organisation_id).label("by_combination"),
        _count(f.organisation).label("combinations"),
        _count(sa.and_(*others) if others else None).label("organisations"),
    ).group_by(
        sa.func.grouping_sets(
            sa.tuple_(c.category_id, c.family_id, c.kind, c.condition),
            sa.tuple_(c.organisation_id),
        )
    )


def _count(condition: sa.ColumnElement[bool] | None) -> sa.ColumnElement[int]:
    count = sa.func.count()
    return count if condition is None else count.filter(condition)


def grouped_facets(
    rows: Iterable[Sequence[Any]], query: SearchQuery, category: CategoryFilter | None
) -> tuple[Facets, int]:
    """Facets and total from the rows of `grouped`."""
    combinations, organisations = [], {}
    for category_id, family, kind, condition, organisation, by_combination, n, m in rows:
        if by_combination:
            combinations.append(Combination(category_id, family, kind, condition, n))
        elif organisation is not None and m:
            organisations[organisation] = m
    return facets(combinations, organisations, query, category)


def kept_facets(
    connection: sa.Connection,
    documents: Any,
    f: Filters,
    counts: sa.Table,
    query: SearchQuery,
    category: CategoryFilter | None,
) -> tuple[Facets, int]:
    """The combinations from search_counts; the organisations, with the other filters `f`
    applied, from search_documents (its organisation index, or the filters' indexes), whose
    columns are `documents`. search_documents is read first: a rebuild's switch locks the
    tables in the order of `Tables.all`, and a search that held search_counts while it waited
    for search_documents would deadlock with it."""
    found = connection.execute(
        sa.select(documents.organisation_id, sa.func.count())
        .where(documents.organisation_id.is_not(None), *f.rest, *f.combination())
        .group_by(documents.organisation_id)
    )
    organisations = {row[0]: row[1] for row in found}
    k = counts.c
    listings = sa.func.sum(k.listings)
    key = (k.category_id, k.family_id, k.kind, k.condition)
    rest = filters(k, query, category).rest
    rows = connection.execute(sa.select(*key, listings).where(*rest).group_by(*key))
    combinations = [
        Combination(category_id, family, kind, condition or None, int(count))
        for category_id, family, kind, condition, count in rows
    ]
    return facets(combinations, organisations, query, category)


def facets(
    combinations: list[Combination],
    organisations: dict[int, int],
    query: SearchQuery,
    category: CategoryFilter | None,
) -> tuple[Facets, int]:
    def category_ok(c: Combination) -> bool:
        if category is None:
            return True
        if category.category_id is not None:
            return c.category_id == category.category_id
        return c.family_id == category.family_id

    def kind_ok(c: Combination) -> bool:
        return query.kind is None or c.kind == query.kind.value

    def condition_ok(c: Combination) -> bool:
        return query.condition is None or c.condition == query.condition.value

    total = sum(c.count for c in combinations if category_ok(c) and kind_ok(c) and condition_ok(c))
    types: dict[int, int] = {}
    if category is not None:
        same_family = [c for c in combinations if c.family_id == category.family_id]
        types = _sum(same_family, "category_id", kind_ok, condition_ok)
        types.pop(category.family_id, None)
    conditions = _sum(combinations, "condition", category_ok, kind_ok)
    conditions.pop(None, None)
    found = Facets(
        families=_sum(combinations, "family_id", kind_ok, condition_ok),
        categories=types,
        kinds=_sum(combinations, "kind", category_ok, condition_ok),
        conditions=conditions,
        organisations=organisations,
    )
    return found, total


def _sum(
    combinations: list[Combination], key: str, *checks: Callable[[Combination], bool]
) -> dict[Any, int]:
    found: dict[Any, int] = {}
    for c in combinations:
        if c.count and all(check(c) for check in checks):
            value = getattr(c, key)
            found[value] = found.get(value, 0) + c.count
    return found
