"""The PostgreSQL backend's "did you mean": each word that no listing has is replaced by the
closest word of `search_words`. The candidates come by trigram similarity through its index;
the closest is the one fewest edits away (as the Whoosh backend counts them), and then the
one most listings have.
"""

from __future__ import annotations

import sqlalchemy as sa
from rapidfuzz.distance import OSA

from marketplace.search.analysis import word_forms
from marketplace.search.backend import Suggestion
from marketplace.search.pg_query import tsqueries, tsquery
from marketplace.search.pg_search import Search

SIMILARITY = "0.25"
CANDIDATES = 12


def suggestion(search: Search, total: int) -> Suggestion | None:
    """Each word found in no listing as typed or by its stems is replaced by the closest
    indexed word; offered if the corrected search finds at least as much."""
    known = _known(search)
    corrected, changed = [], False
    for forms, is_known in zip(search.words, known, strict=True):
        better = None if is_known else _closest_word(search, forms.word)
        corrected.append(better or forms.word)
        changed = changed or better is not None
    if not changed:
        return None
    text = " ".join(corrected)
    words = [word_forms(word) for word in corrected]
    found = search.total(words, tsqueries(search.connection, words))
    return Suggestion(text, found) if found and found >= total else None


def _known(search: Search) -> list[bool]:
    """Whether any listing has each word as typed or by one of its stems. The planner
    expects to meet such a listing early in a sequential scan, which for a word that no
    listing has means reading them all: the index answers at once."""
    t = search.texts.c
    checks = [sa.exists(sa.select(1).where(t.words.op("@@")(tsquery(q)))) for q in search.queries]
    _set(search.connection, "enable_seqscan", "off")
    found = search.connection.execute(sa.select(*checks)).one()
    _set(search.connection, "enable_seqscan", "on")
    return [bool(value) for value in found]


def _set(connection: sa.Connection, name: str, value: str) -> None:
    connection.execute(sa.select(sa.func.set_config(name, value, True)))


def _closest_word(search: Search, word: str) -> str | None:
    if len(word) < 3 or word.isdigit():
        return None
    maxdist = 1 if len(word) < 6 else 2
    w = search.words_table.c
    _set(search.connection, "pg_trgm.similarity_threshold", SIMILARITY)
    similarity = sa.func.similarity(w.word, word)
    rows = search.connection.execute(
        sa.select(w.word, w.listings)
        .where(w.word.op("%")(word), w.word.startswith(word[0], autoescape=True))
        .order_by(similarity.desc())
        .limit(CANDIDATES)
    ).all()
    # Optimal string alignment: two neighbouring letters swapped are one edit.
    ranked = sorted(
        (OSA.distance(word, row.word), -row.listings, row.word)
        for row in rows
        if row.word != word and not row.word.isdigit()
    )
    return ranked[0][2] if ranked and ranked[0][0] <= maxdist else None
