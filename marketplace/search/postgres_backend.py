"""The PostgreSQL backend: full-text search in the database the app already uses, for
deployments with several app servers (SEARCH_BACKEND=postgres). Tables: see `pg_schema`.

Matching. Each query word must match, in one of three ways: its `simple`, `finnish`, `swedish`
or `english` lexeme (or its light Finnish stem) is in the listing's `words`; or the piece of it
that compounds contain (`analysis.word_forms`) occurs in the folded title or type names, found
with `LIKE '%piece%'` through the pg_trgm index ("levy" in "kipsilevy", "tegel" in
"murtegel"). GIN indexes answer both; PostgreSQL keeps them up to date itself.

Ranking. `ts_rank` over the title (weight A) and the type names (weight B): the word as typed
and its stems all count, so a listing with the word itself ranks above one with another form;
a compound piece adds a little; description matches add nothing, and ties go to the newer
listing. "Did you mean" draws from `search_words` by trigram similarity, ordered by edit
distance and then by how many listings have the word.

Counting. One grouped query gives the total and every facet: grouped by the facet columns
themselves, the counts "with the other filters but not its own" are added up in Python. A
search without words, price, radius or organisation (browsing, a category, the home page)
groups the few rows of `search_counts` instead, which every write keeps up to date, and
counts organisations separately.

Writing. A writer holds a transaction-level advisory lock while it calls `resolve` and
upserts what it returned, so the last writer always read last (the same promise as Whoosh's
write lock, across every process that shares the database). A rebuild fills new tables while
searches and writers carry on with the live ones; writers meanwhile note the ids they wrote in
`search_journal`; the rebuild then takes the write lock, catches up those listings, and renames
the new tables into place in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY, aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from whoosh.support.levenshtein import distance as edit_distance

from marketplace.search import pg_schema
from marketplace.search.analysis import WordForms, meaningful_words, word_forms
from marketplace.search.backend import (
    BackendResult,
    CategoryFilter,
    DocumentBatch,
    Facets,
    Hit,
    RebuildReport,
    SearchUnavailable,
    Suggestion,
)
from marketplace.search.documents import ListingDocument
from marketplace.search.geo import Point, bounding_box, chord_squared, haversine_km, unit_vector
from marketplace.search.pg_schema import Tables
from marketplace.search.query import MAX_WORDS, SearchQuery, Sort

logger = logging.getLogger(__name__)

# Advisory lock keys: (NAMESPACE, one of the numbers below), in every database we write.
NAMESPACE = int.from_bytes(b"KERA", "big")
WRITE_LOCK = 1  # held by each writer's transaction, and by a rebuild's switch
REBUILD_LOCK = 2  # one rebuild at a time
REBUILDING = 3  # held by a running rebuild; writers that cannot share it keep a journal
CREATE_LOCK = 4
SWITCH_WAIT_SECONDS = 120.0
SEARCH_SETTINGS = (
    # A search waits this long at most for a rebuild's switch.
    ("lock_timeout", "5s"),
    # Searches are many and short: on a few cores, parallel workers and JIT compilation
    # cost more to start than they save.
    ("max_parallel_workers_per_gather", "0"),
    ("jit", "off"),
    # The search tables are read from memory: with the default (4) the planner scans every
    # listing rather than visit the few thousand rows a common word's GIN index names.
    ("random_page_cost", "1.1"),
)
BATCH = 500
LANGUAGE_CONFIGURATIONS = ("simple", "finnish", "swedish", "english")
# ts_rank's weights for D, C, B, A: title (A) before type names (B).
RANK_WEIGHTS = "{0.05, 0.1, 0.5, 1.0}"
GRAM_WEIGHT = 0.1
SUGGEST_SIMILARITY = "0.25"
SUGGEST_CANDIDATES = 12
# Beyond this many matches, "nearest first" without a radius looks in growing circles.
NEAREST_SORT_ALL = 2000
NEAREST_RADII_KM = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)


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


def _tsquery(text: str) -> sa.ColumnElement[Any]:
    return sa.cast(sa.literal(text), TSQUERY)


def gram_pattern(forms: WordForms) -> str | None:
    """`LIKE` pattern for the piece of the word that a compound containing it contains."""
    if not forms.piece:
        return None
    escaped = forms.piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class _Filters:
    """The filters of a search as SQL conditions; None where a filter is not set."""

    rest: list[sa.ColumnElement[bool]]
    category: sa.ColumnElement[bool] | None = None
    kind: sa.ColumnElement[bool] | None = None
    condition: sa.ColumnElement[bool] | None = None
    organisation: sa.ColumnElement[bool] | None = None

    def all(self, *, but: str = "") -> list[sa.ColumnElement[bool]]:
        conditions = list(self.rest)
        for name in ("category", "kind", "condition", "organisation"):
            value = getattr(self, name)
            if value is not None and name != but:
                conditions.append(value)
        return conditions


@dataclass(frozen=True)
class _Combination:
    """How many matching listings share these facet values (from the grouped count)."""

    category_id: int
    family_id: int
    kind: str
    condition: str | None
    count: int


class _Search:
    """One search on one connection: the grouped count, the page, and "did you mean". With
    words it reads `search_texts` alone, without them the narrower `search_documents`."""

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
        self.filters = self._filters()

    def run(self, suggest: bool) -> BackendResult:
        if self.words:
            facets, total, hits = self._matched()
        else:
            facets, total = self._counts()
            hits = self._page(total) if total > self.query.offset else []
        suggestion = self._suggestion(total) if suggest and self.words else None
        return BackendResult(hits=hits, total=total, facets=facets, suggestion=suggestion)

    # Conditions

    def _matching(
        self, words: list[WordForms] | None = None, queries: list[str] | None = None
    ) -> list[sa.ColumnElement[bool]]:
        """Every word matches the listing's words, or as a piece of its compounds."""
        if words is None or queries is None:
            words, queries = self.words, self.queries
        t = self.texts.c
        clauses = []
        for forms, text in zip(words, queries, strict=True):
            options = [t.words.op("@@")(_tsquery(text))]
            pattern = gram_pattern(forms)
            if pattern is not None:
                # First: rows the trigram index found are re-checked, and this test is cheap.
                options.insert(0, t.grams.like(pattern, escape="\\"))
            clauses.append(sa.or_(*options))
        return clauses

    def _filters(self, columns: Any = None, *, rest_too: bool = True) -> _Filters:
        """The filters over `columns` (the search's table by default); the facet filters
        alone when not `rest_too`."""
        c, query = self.c if columns is None else columns, self.query
        filters = _Filters(self._rest(c) if rest_too else [])
        if self.category is not None:
            if self.category.category_id is not None:
                filters.category = c.category_id == self.category.category_id
            else:
                filters.category = c.family_id == self.category.family_id
        if query.kind is not None:
            filters.kind = c.kind == query.kind.value
        if query.condition is not None:
            filters.condition = c.condition == query.condition.value
        if query.organisation is not None:
            filters.organisation = c.organisation_id == query.organisation
        return filters

    def _rest(self, c: Any) -> list[sa.ColumnElement[bool]]:
        query = self.query
        rest: list[sa.ColumnElement[bool]] = []
        if query.free:
            rest.append(c.free.is_(True))
        if query.min_price_cents is not None:
            rest.append(c.price_cents >= query.min_price_cents)
        if query.max_price_cents is not None:
            rest.append(c.price_cents <= query.max_price_cents)
        if query.near is not None and query.radius_km is not None:
            rest += self._within(query.near, query.radius_km)
        return rest

    def _within(self, centre: Point, radius_km: float) -> list[sa.ColumnElement[bool]]:
        """A rectangle the place index narrows to, then the exact circle."""
        c, box = self.c, bounding_box(centre, radius_km)
        return [
            c.lat.between(box.south, box.north),
            c.lon.between(box.west, box.east),
            self._chord(centre) <= chord_squared(radius_km),
        ]

    def _chord(self, centre: Point) -> sa.ColumnElement[float]:
        c = self.c
        x, y, z = unit_vector(centre)
        return (c.x - x) * (c.x - x) + (c.y - y) * (c.y - y) + (c.z - z) * (c.z - z)

    # Counting

    def _counted(self) -> bool:
        """Whether search_counts holds the answer: no words, and no filter but the ones it
        groups by."""
        query = self.query
        return not self.words and (
            query.min_price_cents is None
            and query.max_price_cents is None
            and (query.near is None or query.radius_km is None)
            and query.organisation is None
        )

    def _counts(self) -> tuple[Facets, int]:
        """One grouped query: listings by (type, family, kind, condition) with the
        organisation filter applied, and by organisation with the others applied."""
        if self._counted():
            return self._counts_kept()
        statement = _grouped(self.c, self.filters).where(*self.filters.rest, *self._matching())
        return self._grouped_facets(self.connection.execute(statement))

    def _grouped_facets(self, rows: Iterable[Sequence[Any]]) -> tuple[Facets, int]:
        """Facets and total from the rows of `_grouped`."""
        combinations, organisations = [], {}
        for category, family, kind, condition, organisation, by_combination, n, m in rows:
            if by_combination:
                combinations.append(_Combination(category, family, kind, condition, n))
            elif organisation is not None and m:
                organisations[organisation] = m
        return self._facets(combinations, organisations)

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
        f = self._filters(m, rest_too=False)
        grouped = _grouped(m, f).subquery("grouped")
        ordering = order(m)
        page = (
            sa.select(m.listing_id, m.lat, m.lon, m.published, m.key)
            .where(*f.all())
            .order_by(*ordering)
            .limit(query.per_page)
            .offset(query.offset)
            .subquery("page")
        )
        counts = sa.func.json_agg(sa.func.json_build_array(*grouped.c))
        hits = sa.func.json_agg(
            aggregate_order_by(
                sa.func.json_build_array(page.c.listing_id, page.c.lat, page.c.lon),
                *order(page.c),
            )
        )
        found, rows = self.connection.execute(
            sa.select(
                sa.select(counts).select_from(grouped).scalar_subquery(),
                sa.select(hits).select_from(page).scalar_subquery(),
            )
        ).one()
        facets, total = self._grouped_facets(found or [])
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
            return self._chord(query.near), lambda m: [m.key, m.listing_id.desc()]
        if sort == Sort.PRICE:
            return t.price_cents, lambda m: [m.key, m.listing_id.desc()]
        return t.published, lambda m: [m.published.desc(), m.listing_id.desc()]

    def _hit(self, listing_id: int, lat: float, lon: float) -> Hit:
        near = self.query.near
        distance = None if near is None else round(haversine_km(near, Point(lat, lon)), 2)
        return Hit(listing_id=listing_id, distance_km=distance)

    def _counts_kept(self) -> tuple[Facets, int]:
        """The combinations from search_counts; the organisations, with the other filters
        applied, from search_documents (its organisation index, or the filters' indexes).
        search_documents is read first: a rebuild's switch locks the tables in the order
        of `Tables.all`, and a search that held search_counts while it waited for
        search_documents would deadlock with it."""
        c, f = self.c, self.filters
        others = [f for f in (f.category, f.kind, f.condition) if f is not None]
        found = self.connection.execute(
            sa.select(c.organisation_id, sa.func.count())
            .where(c.organisation_id.is_not(None), *f.rest, *others)
            .group_by(c.organisation_id)
        )
        organisations = {row[0]: row[1] for row in found}
        k, f = self.counts_table.c, self._filters(self.counts_table.c)
        listings = sa.func.sum(k.listings)
        key = (k.category_id, k.family_id, k.kind, k.condition)
        rows = self.connection.execute(sa.select(*key, listings).where(*f.rest).group_by(*key))
        combinations = [
            _Combination(category, family, kind, condition or None, int(count))
            for category, family, kind, condition, count in rows
        ]
        return self._facets(combinations, organisations)

    def _facets(
        self, combinations: list[_Combination], organisations: dict[int, int]
    ) -> tuple[Facets, int]:
        query, category = self.query, self.category

        def category_ok(c: _Combination) -> bool:
            if category is None:
                return True
            if category.category_id is not None:
                return c.category_id == category.category_id
            return c.family_id == category.family_id

        def kind_ok(c: _Combination) -> bool:
            return query.kind is None or c.kind == query.kind.value

        def condition_ok(c: _Combination) -> bool:
            return query.condition is None or c.condition == query.condition.value

        total = sum(
            c.count for c in combinations if category_ok(c) and kind_ok(c) and condition_ok(c)
        )
        types: dict[int, int] = {}
        if category is not None:
            same_family = [c for c in combinations if c.family_id == category.family_id]
            types = _sum(same_family, "category_id", kind_ok, condition_ok)
            types.pop(category.family_id, None)
        conditions = _sum(combinations, "condition", category_ok, kind_ok)
        conditions.pop(None, None)
        facets = Facets(
            families=_sum(combinations, "family_id", kind_ok, condition_ok),
            categories=types,
            kinds=_sum(combinations, "kind", category_ok, condition_ok),
            conditions=conditions,
            organisations=organisations,
        )
        return facets, total

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
            return statement.order_by(self._chord(query.near), c.listing_id.desc())
        if sort == Sort.PRICE:
            return statement.order_by(c.price_cents, c.listing_id.desc())
        return statement.order_by(c.published.desc(), c.listing_id.desc())

    def _rank(self) -> sa.ColumnElement[float]:
        t = self.texts.c
        any_word = _tsquery(" | ".join(f"({text})" for text in self.queries if text))
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
            within = self._within(query.near, radius)
            found = self.connection.scalar(
                sa.select(sa.func.count()).select_from(self.table).where(*base, *within)
            )
            if (found or 0) >= needed:
                return within
        return []

    # Did you mean

    def _suggestion(self, total: int) -> Suggestion | None:
        """Each word found in no listing as typed or by its stems is replaced by the closest
        indexed word; offered if the corrected search finds at least as much."""
        known = self._known()
        corrected, changed = [], False
        for forms, is_known in zip(self.words, known, strict=True):
            better = None if is_known else self._closest_word(forms.word)
            corrected.append(better or forms.word)
            changed = changed or better is not None
        if not changed:
            return None
        text = " ".join(corrected)
        words = [word_forms(word) for word in corrected]
        found = self._total(words, tsqueries(self.connection, words))
        return Suggestion(text, found) if found and found >= total else None

    def _known(self) -> list[bool]:
        """Whether any listing has each word as typed or by one of its stems. The planner
        expects to meet such a listing early in a sequential scan, which for a word that no
        listing has means reading them all: the index answers at once."""
        t = self.texts.c
        checks = [
            sa.exists(sa.select(1).where(t.words.op("@@")(_tsquery(q)))) for q in self.queries
        ]
        self._set("enable_seqscan", "off")
        found = self.connection.execute(sa.select(*checks)).one()
        self._set("enable_seqscan", "on")
        return [bool(value) for value in found]

    def _set(self, name: str, value: str) -> None:
        self.connection.execute(sa.select(sa.func.set_config(name, value, True)))

    def _closest_word(self, word: str) -> str | None:
        if len(word) < 3 or word.isdigit():
            return None
        maxdist = 1 if len(word) < 6 else 2
        w = self.words_table.c
        self._set("pg_trgm.similarity_threshold", SUGGEST_SIMILARITY)
        similarity = sa.func.similarity(w.word, word)
        rows = self.connection.execute(
            sa.select(w.word, w.listings)
            .where(w.word.op("%")(word), w.word.startswith(word[0], autoescape=True))
            .order_by(similarity.desc())
            .limit(SUGGEST_CANDIDATES)
        ).all()
        ranked = sorted(
            (edit_distance(word, row.word), -row.listings, row.word)
            for row in rows
            if row.word != word and not row.word.isdigit()
        )
        return ranked[0][2] if ranked and ranked[0][0] <= maxdist else None

    def _total(self, words: list[WordForms], queries: list[str]) -> int:
        statement = (
            sa.select(sa.func.count())
            .select_from(self.table)
            .where(*self.filters.all(), *self._matching(words, queries))
        )
        return int(self.connection.scalar(statement) or 0)


def _grouped(c: Any, f: _Filters) -> sa.Select[Any]:
    """Listings by (type, family, kind, condition) with the organisation filter applied, and
    by organisation with the others applied, in one grouped query over the columns `c`."""
    others = [condition for condition in (f.category, f.kind, f.condition) if condition is not None]
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


def _sum(
    combinations: list[_Combination], key: str, *checks: Callable[[_Combination], bool]
) -> dict[Any, int]:
    found: dict[Any, int] = {}
    for c in combinations:
        if c.count and all(check(c) for check in checks):
            value = getattr(c, key)
            found[value] = found.get(value, 0) + c.count
    return found


class PostgresBackend:
    name = "postgres"

    def __init__(self, engine: sa.Engine, write_engine: sa.Engine | None = None) -> None:
        """`engine` serves searches (a pool); `write_engine` the writer thread and rebuilds,
        whose connections may outlive a request (the app passes an engine without a pool)."""
        self.engine = engine
        self.write_engine = write_engine or engine
        self.live = pg_schema.tables()
        self.next = pg_schema.tables(pg_schema.NEXT)
        self._ready = False

    # Reading

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        """One read-only snapshot for all of a search's statements."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            connection.execute(
                sa.select(*(sa.func.set_config(k, v, True) for k, v in SEARCH_SETTINGS))
            )
            try:
                yield connection
            finally:
                connection.rollback()

    def _built(self, connection: sa.Connection) -> bool:
        if not self._ready:
            self._ready = pg_schema.layout_of(connection) is not None
        return self._ready

    def search(
        self, query: SearchQuery, category: CategoryFilter | None, *, suggest: bool = True
    ) -> BackendResult:
        words = meaningful_words(query.text, MAX_WORDS)
        try:
            with self._reading() as connection:
                if not self._built(connection):
                    return BackendResult(hits=[], total=0, facets=Facets())
                return _Search(connection, self.live, query, category, words).run(suggest)
        except sa.exc.OperationalError as error:
            raise SearchUnavailable(str(error.orig)) from error
        except sa.exc.ProgrammingError as error:
            if _outdated(error):
                raise SearchUnavailable(f"{error.orig}; run flask search reindex") from error
            raise

    # Writing

    def _ensure(self) -> None:
        """Create the extension and the tables on first use, once per process."""
        if self._ready:
            return
        try:
            with self.write_engine.begin() as connection:
                _lock(connection, CREATE_LOCK)
                pg_schema.create_extensions(connection)
                if pg_schema.layout_of(connection) is None:
                    pg_schema.create_tables(connection, self.live)
                pg_schema.create_journal(connection)
        except sa.exc.ProgrammingError as error:
            raise SearchUnavailable(
                f"cannot create the search tables ({error.orig}); a superuser can run "
                "CREATE EXTENSION pg_trgm in this database"
            ) from error
        self._ready = True

    def update(self, resolve: Callable[[], DocumentBatch], timeout: float) -> int:
        self._ensure()
        try:
            with self.write_engine.begin() as connection:
                _wait_for_lock(connection, WRITE_LOCK, timeout)
                batch = resolve()
                if not batch.ids:
                    return 0
                write_batch(connection, self.live, batch)
                _journal_if_rebuilding(connection, batch.ids)
        except sa.exc.OperationalError as error:
            if _timed_out(error):
                raise SearchUnavailable("the search index is busy") from error
            raise SearchUnavailable(str(error.orig)) from error
        except sa.exc.ProgrammingError as error:
            if _outdated(error):
                raise SearchUnavailable(f"{error.orig}; run flask search reindex") from error
            raise
        return len(batch.ids)

    def rebuild(
        self,
        documents: Callable[[], Iterable[ListingDocument]],
        catch_up: Callable[[set[int]], DocumentBatch],
    ) -> RebuildReport:
        started = time.monotonic()
        self._ensure()
        with self.write_engine.connect() as connection:
            if not connection.scalar(sa.select(_lock_call("pg_try_advisory_lock", REBUILD_LOCK))):
                raise SearchUnavailable("another rebuild of the search index is running")
            try:
                # Writers that started before this finish first; later ones keep a journal.
                connection.execute(sa.select(_lock_call("pg_advisory_lock", REBUILDING)))
                count, caught_up = self._rebuild(connection, documents, catch_up)
            finally:
                connection.rollback()
                connection.execute(sa.select(sa.func.pg_advisory_unlock_all()))
                connection.commit()
        return RebuildReport(count, caught_up, time.monotonic() - started, self.live.documents.name)

    def _rebuild(
        self,
        connection: sa.Connection,
        documents: Callable[[], Iterable[ListingDocument]],
        catch_up: Callable[[set[int]], DocumentBatch],
    ) -> tuple[int, int]:
        connection.execute(sa.delete(pg_schema.journal()))
        pg_schema.drop_tables(connection, self.next)
        pg_schema.create_tables(connection, self.next, indexes=False)
        connection.commit()
        try:
            count = self._bulk_write(connection, documents())
            connection.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
            pg_schema.create_indexes(connection, self.next)
            connection.commit()
            _vacuum(self.write_engine, self.next)
            caught_up = self._switch(connection, catch_up)
        except BaseException:
            connection.rollback()
            pg_schema.drop_tables(connection, self.next)
            connection.commit()
            raise
        _vacuum(self.write_engine, self.live)
        return count, caught_up

    def _bulk_write(self, connection: sa.Connection, documents: Iterable[ListingDocument]) -> int:
        count, batch = 0, []
        vocabulary: dict[str, int] = {}
        for document in documents:
            batch.append(document)
            for word in pg_schema.vocabulary(document):
                vocabulary[word] = vocabulary.get(word, 0) + 1
            if len(batch) == BATCH:
                count += _insert(connection, self.next, batch)
                batch = []
        count += _insert(connection, self.next, batch)
        rows = [{"word": word, "listings": n} for word, n in vocabulary.items()]
        for start in range(0, len(rows), 5000):
            connection.execute(sa.insert(self.next.words), rows[start : start + 5000])
        pg_schema.fill_counts(connection, self.next)
        return count

    def _switch(
        self, connection: sa.Connection, catch_up: Callable[[set[int]], DocumentBatch]
    ) -> int:
        """With the write lock held nothing more is written to the live tables: bring the new
        ones up to date with what was written meanwhile, then rename them into place."""
        _wait_for_lock(connection, WRITE_LOCK, SWITCH_WAIT_SECONDS)
        journal = pg_schema.journal()
        changed = set(connection.scalars(sa.select(journal.c.listing_id).distinct()))
        if changed:
            write_batch(connection, self.next, catch_up(changed))
        # Live tables first, in the order searches name them, so neither waits on the other.
        for table in self.live.all:
            connection.execute(sa.text(f'LOCK TABLE "{table.name}" IN ACCESS EXCLUSIVE MODE'))
        pg_schema.drop_tables(connection, self.live)
        pg_schema.rename(connection, self.next, self.live)
        pg_schema.mark_layout(connection, self.live)
        connection.execute(sa.delete(journal))
        connection.commit()
        return len(changed)

    # Checking

    def fingerprints(self) -> dict[int, list[str]]:
        with self._reading() as connection:
            if not self._built(connection):
                return {}
            d = self.live.documents.c
            rows = connection.execute(sa.select(d.listing_id, d.fingerprint))
            return {row.listing_id: [row.fingerprint] for row in rows}

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"status": "ok", "backend": self.name}
        with self._reading() as connection:
            layout = pg_schema.layout_of(connection)
            if layout is None:
                return {**state, "built": False}
            documents = connection.scalar(
                sa.select(sa.func.count()).select_from(self.live.documents)
            )
            rebuilding = not connection.scalar(
                sa.select(_lock_call("pg_try_advisory_xact_lock_shared", REBUILDING))
            )
        state.update(
            built=True,
            tables=self.live.documents.name,
            documents=documents,
            rebuilding=rebuilding,
        )
        if layout != pg_schema.LAYOUT_COMMENT:
            state["status"] = "error"
            state["detail"] = (
                "the search tables were built by another version; run flask search reindex"
            )
        return state

    def close(self) -> None:
        """The engines belong to whoever passed them."""


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
    _insert(connection, generation, documents)
    words = set().union(*(pg_schema.vocabulary(document) for document in documents))
    if words:
        statement = pg_insert(generation.words).on_conflict_do_nothing(index_elements=["word"])
        connection.execute(statement, [{"word": word, "listings": 1} for word in sorted(words)])


def _insert(connection: sa.Connection, generation: Tables, documents: list[ListingDocument]) -> int:
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


def _journal_if_rebuilding(connection: sa.Connection, ids: set[int]) -> None:
    """While a rebuild runs, note what the live tables received after it started. Sharing its
    lock fails only while it runs; otherwise the shared lock keeps one from starting until
    this write has committed, so the rebuild's reading then sees it."""
    if connection.scalar(sa.select(_lock_call("pg_try_advisory_xact_lock_shared", REBUILDING))):
        return
    journal = pg_schema.journal()
    connection.execute(sa.insert(journal), [{"listing_id": listing_id} for listing_id in ids])


def _lock_call(function: str, key: int) -> sa.ColumnElement[Any]:
    call: sa.ColumnElement[Any] = getattr(sa.func, function)(NAMESPACE, key)
    return call


def _lock(connection: sa.Connection, key: int) -> None:
    connection.execute(sa.select(_lock_call("pg_advisory_xact_lock", key)))


def _wait_for_lock(connection: sa.Connection, key: int, timeout: float) -> None:
    milliseconds = str(max(1, round(timeout * 1000)))
    connection.execute(sa.select(sa.func.set_config("lock_timeout", milliseconds, True)))
    _lock(connection, key)
    connection.execute(sa.select(sa.func.set_config("lock_timeout", "0", True)))


def _outdated(error: sa.exc.ProgrammingError) -> bool:
    """Tables of an older layout lack what this version reads or writes: unavailable until
    `flask search reindex` (the health check says so too). Other errors are bugs."""
    return getattr(error.orig, "sqlstate", None) in ("42P01", "42703")  # no table, column


def _timed_out(error: sa.exc.OperationalError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "55P03"  # lock_not_available


def _vacuum(engine: sa.Engine, generation: Tables) -> None:
    """Statistics for the planner, and a visibility map so that index scans skip the heap."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in generation.all:
            connection.execute(sa.text(f'VACUUM (ANALYZE) "{table.name}"'))
