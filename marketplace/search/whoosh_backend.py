"""The Whoosh backend: words are matched and scored by Whoosh; filters, facets, sorting and
distance by the bitsets of `docsets`.

Reading: each process keeps one searcher per index and refreshes it when the index has
changed (a cheap check on every search); the facts of segments it has already seen are kept.
Whoosh's readers are not documented as thread-safe, so one lock serialises the searches of a
process; they are CPU-bound Python anyway, so the GIL would serialise them just the same.

Writing: Whoosh allows one writer at a time per index, through a lock file. Writers wait for
it (bounded), then re-check that `current` still names the index they locked, then call
their `resolve` to read the documents from the database, then write: see `store` for what a
rebuild adds to this.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.index import TOC, LockError
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.support.levenshtein import distance as edit_distance

from marketplace.search import analysis
from marketplace.search.analysis import WordForms, word_forms
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
from marketplace.search.docsets import (
    AllowSet,
    FactView,
    SegmentFacts,
    counts,
    distance_km,
    from_ids,
    in_order,
    nearest,
    ones,
    price_between,
    within_radius,
)
from marketplace.search.documents import ListingDocument
from marketplace.search.query import MAX_WORDS, SearchQuery, Sort
from marketplace.search.schema import (
    CONDITION_CODES,
    CONDITIONS,
    KIND_CODES,
    KINDS,
    SCHEMA_VERSION,
    fields_of,
)
from marketplace.search.store import SCHEMA, IndexStore, RebuildRunning

logger = logging.getLogger(__name__)

LOCK_POLL_SECONDS = 0.02
SWITCH_WAIT_SECONDS = 120.0
TEXT_CACHE_SIZE = 256
SUGGEST_FIELDS = ("category", "title", "body")
EXACT_FIELDS = ("title", "category", "body")


def word_query(forms: WordForms, grams: bool = True) -> wq.Query:
    """One query word, looked up as typed, as its stem in each language, and as pieces of
    compounds. Whoosh adds the scores of the parts that match, so a listing that has the word
    itself ranks above one that only has a compound containing it."""
    options: list[wq.Query] = [wq.Term(name, forms.word) for name in EXACT_FIELDS]
    options += [wq.Term(f"stem_{lang}", stem) for lang, stem in forms.stems.items() if stem]
    if grams and forms.grams:
        # Each piece carries an equal share, so a long word's many pieces weigh like one.
        share = 1.0 / len(forms.grams)
        pieces = [wq.Term("grams", gram, boost=share) for gram in forms.grams]
        options.append(pieces[0] if len(pieces) == 1 else wq.And(pieces))
    return wq.Or(options)


def text_query(words: list[WordForms]) -> wq.Query | None:
    clauses = [word_query(forms) for forms in words]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


def meaningful_words(text: str) -> list[WordForms]:
    """The query's words, without stop words unless there is nothing else."""
    return analysis.meaningful_words(text, MAX_WORDS)


@dataclass
class _View:
    """One searcher and what has been worked out about its documents."""

    path: Path
    pid: int
    searcher: Any
    facts: FactView
    generation: int
    # The segment readers, by segment and number of deletions.
    readers: dict[tuple[str, int], Any]
    text_masks: OrderedDict[str, int] = field(default_factory=OrderedDict)


@dataclass
class _Filters:
    """The filters of a search as bitsets; None where a filter is not set."""

    rest: int
    category: int | None = None
    kind: int | None = None
    condition: int | None = None
    organisation: int | None = None

    def all(self, *, but: str = "") -> int:
        mask = self.rest
        for name in ("category", "kind", "condition", "organisation"):
            value = getattr(self, name)
            if value is not None and name != but:
                mask &= value
        return mask


class WhooshBackend:
    name = "whoosh"

    def __init__(self, index_dir: str | Path) -> None:
        self.store = IndexStore(Path(index_dir))
        self._lock = threading.Lock()
        self._view: _View | None = None
        self._segments: dict[str, SegmentFacts] = {}
        self._lives: dict[tuple[str, int], int] = {}

    # Reading

    def _fresh_view(self) -> _View:
        path = self.store.current()
        assert path is not None
        index = self.store.open(path)
        view = self._view
        same = view is not None and view.pid == os.getpid() and view.path == path
        if view is not None and same and index.latest_generation() == view.generation:
            return view
        if view is not None and not same:
            if view.pid == os.getpid():
                _close(view.readers.values())
            self._segments.clear()
            self._lives.clear()
        readers = view.readers if view is not None and same else {}
        searcher, generation, readers = self._open(index, readers)
        self._view = _View(
            path, os.getpid(), searcher, self._facts_of(searcher), generation, readers
        )
        return self._view

    def _open(self, index: Any, old: dict[tuple[str, int], Any]) -> tuple[Any, int, dict[Any, Any]]:
        """A searcher on the index's latest state that reuses the segment readers of `old` whose
        segment is unchanged. Whoosh's own `refresh` reuses a segment's reader even when the
        segment has gained deletions since, which would leave removed listings findable."""
        for attempt in range(10):
            try:
                toc = TOC.read(index.storage, index.indexname, schema=SCHEMA)
                readers = {}
                for segment in toc.segments:
                    key = (segment.segment_id(), segment.deleted_count())
                    reader = old.get(key)
                    if reader is None:
                        reader = SegmentReader(index.storage, SCHEMA, segment, toc.generation)
                    readers[key] = reader
                break
            except OSError:
                # A writer removed the files of a merged segment as we read the old list.
                if attempt == 9:
                    raise
                time.sleep(0.05)
        _close(reader for key, reader in old.items() if key not in readers)
        composite = (
            MultiReader(list(readers.values()), generation=toc.generation)
            if readers
            else EmptyReader(SCHEMA)
        )
        searcher = Searcher(composite, fromindex=index, closereader=False)
        return searcher, toc.generation, readers

    def _facts_of(self, searcher: Any) -> FactView:
        parts = []
        seen: set[str] = set()
        for reader, offset in searcher.reader().leaf_readers():
            count = reader.doc_count_all()
            if not count:
                continue
            segment = reader.segment()
            key = segment.segment_id()
            seen.add(key)
            facts = self._segments.get(key)
            if facts is None:
                facts = SegmentFacts.from_records(list(reader.column_reader("facts")))
                self._segments[key] = facts
            parts.append((facts, offset, self._live(reader, key, count)))
        for key in set(self._segments) - seen:
            del self._segments[key]
        return FactView.join(parts)

    def _live(self, reader: Any, key: str, count: int) -> int:
        if not reader.has_deletions():
            return ones(count)
        deleted = reader.deleted_docs_set
        version = (key, len(deleted))
        live = self._lives.get(version)
        if live is None:
            live = ones(count) & ~from_ids(deleted, count)
            self._lives = {k: v for k, v in self._lives.items() if k[0] != key}
            self._lives[version] = live
        return live

    def _text_mask(self, view: _View, q: wq.Query) -> int:
        key = repr(q)
        mask = view.text_masks.get(key)
        if mask is None:
            mask = from_ids(view.searcher.docs_for_query(q), view.facts.size) & view.facts.live
            view.text_masks[key] = mask
            if len(view.text_masks) > TEXT_CACHE_SIZE:
                view.text_masks.popitem(last=False)
        else:
            view.text_masks.move_to_end(key)
        return mask

    def search(
        self, query: SearchQuery, category: CategoryFilter | None, *, suggest: bool = True
    ) -> BackendResult:
        words = meaningful_words(query.text)
        q = text_query(words)
        try:
            with self._lock:
                view = self._fresh_view()
                return self._search(view, query, category, words, q, suggest)
        except (OSError, LockError) as error:
            raise SearchUnavailable(str(error)) from error

    def _search(
        self,
        view: _View,
        query: SearchQuery,
        category: CategoryFilter | None,
        words: list[WordForms],
        q: wq.Query | None,
        suggest: bool,
    ) -> BackendResult:
        facts = view.facts
        matched = facts.live if q is None else self._text_mask(view, q)
        filters = self._filters(facts, query, category, matched)
        total_mask = filters.all()
        hits = self._page(view, query, q, matched, total_mask)
        total = total_mask.bit_count()
        suggestion = None
        if suggest and words and facts.size:
            suggestion = self._suggestion(view, query, category, words, total)
        return BackendResult(
            hits=hits,
            total=total,
            facets=self._facets(facts, filters, category),
            suggestion=suggestion,
        )

    def _filters(
        self, facts: FactView, query: SearchQuery, category: CategoryFilter | None, matched: int
    ) -> _Filters:
        rest = matched
        if query.free:
            rest &= facts.mask("free", 1)
        if query.min_price_cents is not None or query.max_price_cents is not None:
            rest = price_between(facts, rest, query.min_price_cents, query.max_price_cents)
        if query.near is not None and query.radius_km is not None:
            rest = within_radius(facts, rest, query.near, query.radius_km)
        filters = _Filters(rest)
        if category is not None:
            if category.category_id is not None:
                filters.category = facts.mask("category", category.category_id)
            else:
                filters.category = facts.mask("family", category.family_id)
        if query.kind is not None:
            filters.kind = facts.mask("kind", KIND_CODES[query.kind.value])
        if query.condition is not None:
            filters.condition = facts.mask("condition", CONDITION_CODES[query.condition.value])
        if query.organisation is not None:
            filters.organisation = facts.mask("organisation", query.organisation)
        return filters

    def _facets(
        self, facts: FactView, filters: _Filters, category: CategoryFilter | None
    ) -> Facets:
        without_category = filters.all(but="category")
        types: dict[int, int] = {}
        if category is not None:
            family = facts.mask("family", category.family_id)
            types = counts(facts.masks["category"], without_category & family)
            types.pop(category.family_id, None)
        kinds = counts(facts.masks["kind"], filters.all(but="kind"))
        conditions = counts(facts.masks["condition"], filters.all(but="condition"))
        organisations = counts(facts.masks["organisation"], filters.all(but="organisation"))
        organisations.pop(0, None)  # listings of people, not of an organisation
        return Facets(
            families=counts(facts.masks["family"], without_category),
            categories=types,
            kinds={KINDS[code]: n for code, n in kinds.items() if code in KINDS},
            conditions={
                CONDITIONS[code]: n for code, n in conditions.items() if code in CONDITIONS
            },
            organisations=organisations,
        )

    def _page(
        self, view: _View, query: SearchQuery, q: wq.Query | None, matched: int, allowed: int
    ) -> list[Hit]:
        facts, near = view.facts, query.near
        docnums = self._ordered(view, query, q, matched, allowed) if allowed else []
        return [
            Hit(
                listing_id=facts.listing_ids[d],
                distance_km=None if near is None else round(distance_km(facts, d, near), 2),
            )
            for d in docnums
        ]

    def _ordered(
        self, view: _View, query: SearchQuery, q: wq.Query | None, matched: int, allowed: int
    ) -> list[int]:
        """The page's documents in the search's order; ties go to the newer listing."""
        facts, skip, limit = view.facts, query.offset, query.per_page
        ids = facts.listing_ids
        sort = query.effective_sort
        if sort == Sort.RELEVANCE and q is not None:
            restricted = allowed if allowed != matched else None
            return self._ranked(view, q, restricted, skip + limit)[skip:]
        if sort == Sort.NEAREST and query.near is not None:
            return nearest(facts, allowed, query.near, skip + limit)[skip:]
        if sort == Sort.PRICE:
            prices = facts.prices
            return in_order(
                facts,
                allowed,
                facts.price_bands,
                lambda d: (prices[d], -ids[d]),
                False,
                skip,
                limit,
            )
        published = facts.published
        return in_order(
            facts, allowed, facts.weeks, lambda d: (published[d], ids[d]), True, skip, limit
        )

    def _ranked(self, view: _View, q: wq.Query, allowed: int | None, limit: int) -> list[int]:
        """Whoosh's top documents by score. Without filters Whoosh may skip blocks that cannot
        reach the top; with them it checks each match against the allowed set."""
        allow = None if allowed is None else AllowSet(allowed)
        results = view.searcher.search(q, limit=limit, filter=allow)
        return [docnum for _score, docnum in results.top_n]

    def _suggestion(
        self,
        view: _View,
        query: SearchQuery,
        category: CategoryFilter | None,
        words: list[WordForms],
        total: int,
    ) -> Suggestion | None:
        """'Did you mean': each word found in no listing as typed or by its stems (at best in
        pieces of compounds) is replaced by the closest indexed word; offered if the corrected
        search finds at least as much."""
        corrected, changed = [], False
        reader = view.searcher.reader()
        for forms in words:
            if _known(reader, forms):
                corrected.append(forms.word)
                continue
            better = self._closest_word(view, forms.word)
            corrected.append(better or forms.word)
            changed = changed or better is not None
        if not changed:
            return None
        text = " ".join(corrected)
        q = text_query([word_forms(word) for word in corrected])
        assert q is not None
        matched = self._text_mask(view, q)
        found = self._filters(view.facts, query, category, matched).all().bit_count()
        return Suggestion(text, found) if found and found >= total else None

    def _closest_word(self, view: _View, word: str) -> str | None:
        if len(word) < 3 or word.isdigit():
            return None
        maxdist = 1 if len(word) < 6 else 2
        candidates = set()
        for name in SUGGEST_FIELDS:
            candidates.update(view.searcher.suggest(name, word, limit=3, maxdist=maxdist, prefix=1))
        reader = view.searcher.reader()

        def rank(candidate: str) -> tuple[int, int]:
            frequency = sum(reader.doc_frequency(name, candidate) for name in SUGGEST_FIELDS)
            return edit_distance(word, candidate), -frequency

        found = sorted((c for c in candidates if c != word and not c.isdigit()), key=rank)
        return found[0] if found else None

    # Writing

    def update(self, resolve: Callable[[], DocumentBatch], timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            path = self.store.current()
            assert path is not None
            try:
                writer = self.store.open(path).writer(
                    timeout=max(0.0, deadline - time.monotonic()), delay=LOCK_POLL_SECONDS
                )
            except LockError as error:
                raise SearchUnavailable("the search index is busy") from error
            try:
                if self.store.current() != path:
                    # A rebuild switched indexes while we waited: write to the new one.
                    writer.cancel()
                    continue
                return self._write(writer, resolve())
            except BaseException:
                writer.cancel()
                raise

    def _write(self, writer: Any, batch: DocumentBatch) -> int:
        if not batch.ids:
            writer.cancel()
            return 0
        self.store.note_written(batch.ids)
        for document in batch.documents:
            writer.update_document(**fields_of(document))
        for listing_id in batch.removed:
            writer.delete_by_term("id", str(listing_id))
        writer.commit()
        return len(batch.ids)

    def rebuild(
        self,
        documents: Callable[[], Iterable[ListingDocument]],
        catch_up: Callable[[set[int]], DocumentBatch],
    ) -> RebuildReport:
        started = time.monotonic()
        try:
            with self.store.rebuild_lock():
                # Writers always have an index to write to, and the switch a lock to take.
                previous = self.store.current()
                self.store.end_rebuild()
                self.store.remove_except([previous])
                target = self.store.new_directory()
                index = self.store.create(target)
                self.store.begin_rebuild(target)
                try:
                    count = self._bulk_write(index, documents())
                    caught_up = self._switch(previous, target, catch_up)
                except BaseException:
                    self.store.end_rebuild()
                    self.store.remove_except([previous])
                    raise
                self.store.remove_except([target, previous])
        except RebuildRunning as error:
            raise SearchUnavailable("another rebuild of the search index is running") from error
        return RebuildReport(count, caught_up, time.monotonic() - started, target.name)

    def _bulk_write(self, index: Any, documents: Iterable[ListingDocument]) -> int:
        writer = index.writer(limitmb=256)
        count = 0
        try:
            for document in documents:
                writer.add_document(**fields_of(document))
                count += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return count

    def _switch(
        self, previous: Path | None, target: Path, catch_up: Callable[[set[int]], DocumentBatch]
    ) -> int:
        """With the old index's write lock held, nothing more is written to it: bring the new
        index up to date with what was written meanwhile, then point `current` at it."""
        lock = None if previous is None else self.store.open(previous).lock("WRITELOCK")
        if lock is not None and not _acquire(lock, SWITCH_WAIT_SECONDS):
            raise SearchUnavailable("the search index stayed busy; the rebuild was abandoned")
        try:
            changed = self.store.journal_ids()
            if changed:
                writer = self.store.open(target).writer()
                try:
                    self._write(writer, catch_up(changed))
                except BaseException:
                    writer.cancel()
                    raise
            self.store.swap(target)
            self.store.end_rebuild()
        finally:
            if lock is not None:
                lock.release()
        return len(changed)

    # Checking

    def fingerprints(self) -> dict[int, list[str]]:
        with self._lock:
            view = self._fresh_view()
            found: dict[int, list[str]] = {}
            for stored in view.searcher.all_stored_fields():
                found.setdefault(int(stored["id"]), []).append(str(stored.get("fingerprint")))
            return found

    def state(self) -> dict[str, Any]:
        path = self.store.current(create=False)
        if path is None:
            return {"status": "ok", "backend": self.name, "built": False}
        meta = self.store.meta(path)
        with self._lock:
            reader = self._fresh_view().searcher.reader()
            documents, all_documents = reader.doc_count(), reader.doc_count_all()
        state: dict[str, Any] = {
            "status": "ok",
            "backend": self.name,
            "built": True,
            "index": path.name,
            "documents": documents,
            "deleted": all_documents - documents,
            "rebuilding": self.store.rebuilding(),
        }
        if meta.get("schema_version") != SCHEMA_VERSION:
            state["status"] = "error"
            state["detail"] = "the index was built by another version; run flask search reindex"
        return state

    def close(self) -> None:
        with self._lock:
            if self._view is not None and self._view.pid == os.getpid():
                _close(self._view.readers.values())
            self._view = None


def _known(reader: Any, forms: WordForms) -> bool:
    """Whether the index holds the word as typed or one of its stems (a dictionary lookup per
    term; documents deleted since may still count, which only spares a suggestion)."""
    terms = [(name, forms.word) for name in EXACT_FIELDS]
    terms += [(f"stem_{lang}", stem) for lang, stem in forms.stems.items() if stem]
    return any(reader.doc_frequency(name, text) for name, text in terms)


def _close(readers: Iterable[Any]) -> None:
    for reader in readers:
        reader.close()


def _acquire(lock: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not lock.acquire(False):
        if time.monotonic() > deadline:
            return False
        time.sleep(LOCK_POLL_SECONDS)
    return True
