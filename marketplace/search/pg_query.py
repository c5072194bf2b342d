"""A search's words and filters as SQL conditions over the PostgreSQL backend's tables.

Each query word must match, in one of three ways: its `simple`, `finnish`, `swedish` or
`english` lexeme (or its light Finnish stem) is in the listing's `words`; or the piece of it
that compounds contain (`analysis.word_forms`) occurs in the folded title or type names, found
with `LIKE '%piece%'` through the pg_trgm index ("levy" in "kipsilevy", "tegel" in
"murtegel"). GIN indexes answer both; PostgreSQL keeps them up to date itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY

from marketplace.search.analysis import WordForms
from marketplace.search.backend import CategoryFilter
from marketplace.search.geo import Point, bounding_box, chord_squared, unit_vector
from marketplace.search.query import SearchQuery

LANGUAGE_CONFIGURATIONS = ("simple", "finnish", "swedish", "english")


def word_tsquery(forms: WordForms) -> sa.ColumnElement[Any]:
    """The word as typed and its stems by every configuration, as alternatives."""
    parts = [_plain(configuration, forms.word) for configuration in LANGUAGE_CONFIGURATIONS]
    finnish = forms.stems.get("fi")
    if finnish and finnish != forms.word:
        parts.append(_plain("simple", finnish))
    return reduce(lambda left, right: left.op("||")(right), parts)


def _plain(configuration: str, text: str) -> sa.ColumnElement[Any]:
    return sa.func.plainto_tsquery(sa.cast(sa.literal(configuration), REGCONFIG), text)


def tsqueries(connection: sa.Connection, words: list[WordForms]) -> list[str]:
    """Each word's tsquery, worked out once. Naming a configuration is only stable (it
    depends on the search path), so a query that built them itself would stem the words
    again for every row it ranks or re-checks; a tsquery literal is a constant."""
    if not words:
        return []
    columns = [sa.cast(word_tsquery(forms), sa.Text) for forms in words]
    return [str(value) for value in connection.execute(sa.select(*columns)).one()]


def tsquery(text: str) -> sa.ColumnElement[Any]:
    """A tsquery that `tsqueries` worked out, as a constant."""
    return sa.cast(sa.literal(text), TSQUERY)


def gram_pattern(forms: WordForms) -> str | None:
    """`LIKE` pattern for the piece of the word that a compound containing it contains."""
    if not forms.piece:
        return None
    escaped = forms.piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching(
    texts: Any, words: list[WordForms], queries: list[str]
) -> list[sa.ColumnElement[bool]]:
    """Every word matches the listing's words, or as a piece of its compounds; `texts` are
    the columns of `search_texts`, `queries` the words' `tsqueries`."""
    clauses = []
    for forms, text in zip(words, queries, strict=True):
        options = [texts.words.op("@@")(tsquery(text))]
        pattern = gram_pattern(forms)
        if pattern is not None:
            # First: rows the trigram index found are re-checked, and this test is cheap.
            options.insert(0, texts.grams.like(pattern, escape="\\"))
        clauses.append(sa.or_(*options))
    return clauses


@dataclass
class Filters:
    """The filters of a search as SQL conditions; None where a filter is not set. The facet
    filters are apart: each facet is counted without its own."""

    rest: list[sa.ColumnElement[bool]]
    category: sa.ColumnElement[bool] | None = None
    kind: sa.ColumnElement[bool] | None = None
    condition: sa.ColumnElement[bool] | None = None
    organisation: sa.ColumnElement[bool] | None = None

    def all(self) -> list[sa.ColumnElement[bool]]:
        organisation = [] if self.organisation is None else [self.organisation]
        return [*self.rest, *self.combination(), *organisation]

    def combination(self) -> list[sa.ColumnElement[bool]]:
        """The facet filters but the organisation's: those on what a listing is."""
        facets = (self.category, self.kind, self.condition)
        return [condition for condition in facets if condition is not None]


def filters(
    c: Any, query: SearchQuery, category: CategoryFilter | None, *, rest_too: bool = True
) -> Filters:
    """The query's filters over the columns `c` of a search table; the facet filters alone
    when not `rest_too`."""
    found = Filters(_rest(c, query) if rest_too else [])
    if category is not None:
        if category.category_id is not None:
            found.category = c.category_id == category.category_id
        else:
            found.category = c.family_id == category.family_id
    if query.kind is not None:
        found.kind = c.kind == query.kind.value
    if query.condition is not None:
        found.condition = c.condition == query.condition.value
    if query.organisation is not None:
        found.organisation = c.organisation_id == query.organisation
    return found


def _rest(c: Any, query: SearchQuery) -> list[sa.ColumnElement[bool]]:
    rest: list[sa.ColumnElement[bool]] = []
    if query.free:
        rest.append(c.free.is_(True))
    if query.min_price_cents is not None:
        rest.append(c.price_cents >= query.min_price_cents)
    if query.max_price_cents is not None:
        rest.append(c.price_cents <= query.max_price_cents)
    if query.near is not None and query.radius_km is not None:
        rest += within(c, query.near, query.radius_km)
    return rest


def within(c: Any, centre: Point, radius_km: float) -> list[sa.ColumnElement[bool]]:
    """A rectangle the place index narrows to, then the exact circle."""
    box = bounding_box(centre, radius_km)
    return [
        c.lat.between(box.south, box.north),
        c.lon.between(box.west, box.east),
        chord(c, centre) <= chord_squared(radius_km),
    ]


def chord(c: Any, centre: Point) -> sa.ColumnElement[float]:
    """The squared straight-line distance through the sphere: it orders as distance does."""
    x, y, z = unit_vector(centre)
    squared: sa.ColumnElement[float] = (
        (c.x - x) * (c.x - x) + (c.y - y) * (c.y - y) + (c.z - z) * (c.z - z)
    )
    return squared
