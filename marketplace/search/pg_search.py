"""One search on the PostgreSQL backend: the matching listings counted, ranked and paged.

Ranking. `ts_rank` over the title (weight A) and the type names (weight B): the word as typed
and its stems all count, so a listing with the word itself ranks above one with another form;
a compound piece adds a little; description matches add nothing, and ties go to the newer
listing. Counting: see `pg_facets`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from marketplace.search import pg_schema
from marketplace.search.analysis import WordForms
from marketplace.search.backend import CategoryFilter, Facets, Hit
from marketplace.search.geo import Point, haversine_km
from marketplace.search.pg_facets import grouped, grouped_facets, kept_counts_answer, kept_facets
from marketplace.search.pg_query import (
    chord,
    filters,
    gram_pattern,
    matching,
    tsqueries,
    tsquery,
    within,
)
from marketplace.search.pg_schema import Tables
from marketplace.search.query import SearchQuery, Sort

# ts_rank's weights for D, C, B, A: title (A) before type names (B).
RANK_WEIGHTS = "{0.05, 0.1, 0.5, 1.0}"
GRAM_WEIGHT = 0.1
# Beyond this many matches, "nearest first" without a radius looks in growing circles.
NEAREST_SORT_ALL = 2000
NEAREST_RADII_KM = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)


class Search:
    """One search on one connection: the grouped count and the page. With words it reads
    `search_texts` alone, without them the narrower `search_documents`."""

    def __init__(
        self,
        connection: sa.Connection,
        live: Tables,
        query: SearchQuery,
        category: CategoryFilter | None,
        words: list[WordForms],
    ) -> None:
        self.connection = connection
        self.texts = live.texts
        self.table = live.texts if words else live.documents
        self.c = self.table.c
        self.words_table = live.words
        self.counts_table = live.counts
        self.query = query
        self.category = category
        self.words = words
        self.queries = tsqueries(connection, words)
        self.filters = filters(self.c, query, category)

    def run(self) -> tuple[Facets, int, list[Hit]]:
        """The facets, the total and the page."""
        if self.words:
            return self._matched()
        facets, total = self._counts()
        hits = self._page(total) if total > self.query.offset else []
        return facets, total, hits

    def total(self, words: list[WordForms], queries: list[str]) -> int:
        """How many listings these words (and their `tsqueries`) find with the filters."""
        statement = (
            sa.select(sa.func.count())
            .select_from(self.table)
            .where(*self.filters.all(), *matching(self.texts.c, words, queries))
        )
        return int(self.connection.scalar(statement) or 0)

    def _matching(self) -> list[sa.ColumnElement[bool]]:
        return matching(self.texts.c, self.words, self.queries)

    # Counting

    def _counts(self) -> tuple[Facets, int]:
        """Without words: from search_counts where it holds the answer, or else one grouped
        query."""
        if kept_counts_answer(self.query):
            return kept_facets(
                self.connection, self.c, self.filters, self.counts_table, self.query, self.category
            )
        statement = grouped(self.c, self.filters).where(*self.filters.rest, *self._matching())
        rows = self.connection.execute(statement)
        return grouped_facets(rows, self.query, self.category)

    def _matched(self) -> tuple[Facets, int, list[Hit]]:
        """A search with words in one statement: the matching rows, found through the GIN
        indexes and ranked once, are kept (MATERIALIZED) for both the grouped count and the
        page, so that the wide rows of `search_texts` are read once, not twice."""
        t, query = self.texts.c, self.query
        key, order = self._sort_key()
        matched = (
            sa.select(
                t.listing_id,
                t.category_id,
                t.family_id,
                t.kind,
                t.condition,
                t.organisation_id,
                t.lat,
                t.lon,
                t.published,
                key.label("key"),
            )
            .where(*self.filters.rest, *self._matching())
            .cte("matched")
            .prefix_with("MATERIALIZED")
        )
        m = matched.c
        f = filters(m, query, self.category, rest_too=False)
        counted = grouped(m, f).subquery("grouped")
        ordering = order(m)
        page = (
            sa.select(m.listing_id, m.lat, m.lon, m.published, m.key)
            .where(*f.all())
            .order_by(*ordering)
            .limit(query.per_page)
            .offset(query.offset)
            .subquery("page")
        )
        counts = sa.func.json_agg(sa.func.json_build_array(*counted.c))
        hits = sa.func.json_agg(
            aggregate_order_by(
                sa.func.json_build_array(page.c.listing_id, page.c.lat, page.c.lon),
                *order(page.c),
            )
        )
        found, rows = self.connection.execute(
            sa.select(
                sa.select(counts).select_from(counted).scalar_subquery(),
                sa.select(hits).select_from(page).scalar_subquery(),
            )
        ).one()
        facets, total = grouped_facets(found or [], query, self.category)
        return facets, total, [self._hit(*row) for row in rows or []]

    def _sort_key(
        self,
    ) -> tuple[sa.ColumnElement[Any], Callable[[Any], list[sa.ColumnElement[Any]]]]:
        """What `_matched` sorts by, worked out with the match, and the page's order over it
        (as `_ordered`'s)."""
        t, query = self.texts.c, self.query
        sort = query.effective_sort
        if sort == Sort.RELEVANCE:
            return self._rank(), lambda m: [m.key.desc(), m.published.desc(), m.listing_id.desc()]
        if sort == Sort.NEAREST and query.near is not None:
            return chord(t, query.near), lambda m: [m.key, m.listing_id.desc()]
        if sort == Sort.PRICE:
            return t.price_cents, lambda m: [m.key, m.listing_id.desc()]
        return t.published, lambda m: [m.published.desc(), m.listing_id.desc()]

    def _hit(self, listing_id: int, lat: float, lon: float) -> Hit:
        near = self.query.near
        distance = None if near is None else round(haversine_km(near, Point(lat, lon)), 2)
        return Hit(listing_id=listing_id, distance_km=distance)

    # The page

    def _page(self, total: int) -> list[Hit]:
        c, query = self.c, self.query
        statement = sa.select(c.listing_id, c.lat, c.lon).where(
            *self.filters.all(), *self._matching()
        )
        statement = self._ordered(statement, total)
        rows = self.connection.execute(statement.limit(query.per_page).offset(query.offset))
        return [self._hit(row.listing_id, row.lat, row.lon) for row in rows]

    def _ordered(self, statement: sa.Select[Any], total: int) -> sa.Select[Any]:
        """The search's order; ties go to the newer listing (the higher id)."""
        c, query = self.c, self.query
        sort = query.effective_sort
        if sort == Sort.RELEVANCE and self.words:
            return statement.order_by(self._rank().desc(), c.published.desc(), c.listing_id.desc())
        if sort == Sort.NEAREST and query.near is not None:
            statement = statement.where(*self._nearby(total))
            return statement.order_by(chord(c, query.near), c.listing_id.desc())
        if sort == Sort.PRICE:
            return statement.order_by(c.price_cents, c.listing_id.desc())
        return statement.order_by(c.published.desc(), c.listing_id.desc())

    def _rank(self) -> sa.ColumnElement[float]:
        t = self.texts.c
        any_word = tsquery(" | ".join(f"({text})" for text in self.queries if text))
        weights = sa.cast(sa.literal(RANK_WEIGHTS), sa.ARRAY(sa.REAL))
        rank: sa.ColumnElement[float] = sa.func.ts_rank(weights, t.head, any_word)
        title = sa.func.split_part(t.grams, pg_schema.TITLE_END, 1)
        for forms in self.words:
            pattern = gram_pattern(forms)
            if pattern is not None:
                # A piece in the title counts twice: once as anywhere, once as the title.
                for text in (t.grams, title):
                    piece = sa.case((text.like(pattern, escape="\\"), GRAM_WEIGHT), else_=0.0)
                    rank = rank + piece
        return rank

    def _nearby(self, total: int) -> list[sa.ColumnElement[bool]]:
        """For many matches: the smallest circle (within the radius, if there is one) that
        holds the page, so that only the listings in it are sorted by distance."""
        query = self.query
        if total <= NEAREST_SORT_ALL or query.near is None:
            return []
        needed = query.offset + query.per_page
        base = [*self.filters.all(), *self._matching()]
        for radius in NEAREST_RADII_KM:
            if query.radius_km is not None and radius >= query.radius_km:
                break
            around = within(self.c, query.near, radius)
            found = self.connection.scalar(
                sa.select(sa.func.count()).select_from(self.table).where(*base, *around)
            )
            if (found or 0) >= needed:
                return around
        return []
