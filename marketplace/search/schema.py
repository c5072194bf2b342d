"""The Whoosh schema: text fields for matching and ranking, one packed column for the rest.

Filters, facets, sorting and distance never go through Whoosh's postings: they read a fixed
record per document (`facts`) that the backend turns into bitsets once per index segment
(see `docsets`). Whoosh does what it is good at, matching and scoring words.
"""

from __future__ import annotations

import struct
from typing import Any

from whoosh import columns, fields
from whoosh.analysis import (
    Analyzer,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    SubstitutionFilter,
)

from marketplace.search.analysis import GRAM_MAX, GRAM_MIN, LANGUAGES, STEMMERS
from marketplace.search.documents import ListingDocument

# Bump when the schema or the analysis changes: an index built by other code is then reported
# as needing `flask search reindex`.
SCHEMA_VERSION = 1

KIND_CODES = {"material": 1, "equipment": 2, "wanted": 3}
CONDITION_CODES = {"new_surplus": 1, "like_new": 2, "good": 3, "fair": 4, "for_parts": 5}
KINDS = {code: kind for kind, code in KIND_CODES.items()}
CONDITIONS = {code: condition for condition, code in CONDITION_CODES.items()}

# listing id, category id, family id, organisation id (0: none), kind, condition (0: none),
# free, price in cents, latitude and longitude in millionths of a degree, published (epoch s).
FACTS = struct.Struct("<iiiiBBBiiiq")

# Weights: the word as typed in the title first, then category names, stems, and last the
# n-grams that only say "a compound contains this".
BOOSTS = {"title": 3.0, "category": 2.0, "stem": 1.5, "body": 1.0, "grams": 0.5}


def exact_analyzer() -> Analyzer:
    return RegexTokenizer() | LowercaseFilter()


def stemming_analyzer(language: str) -> Analyzer:
    """The language's stop words (with Whoosh's few English ones) left out, the rest stemmed
    by the stemmer `analysis.word_forms` uses."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | StopFilter(lang=language)
        | StemFilter(stemfn=STEMMERS[language], cachesize=50_000)
    )


def gram_analyzer() -> Analyzer:
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | SubstitutionFilter("[äå]", "a")
        | SubstitutionFilter("ö", "o")
        | NgramFilter(GRAM_MIN, GRAM_MAX)
    )


def build_schema() -> fields.Schema:
    exact = exact_analyzer()
    stems = {
        f"stem_{language}": fields.TEXT(
            analyzer=stemming_analyzer(language), phrase=False, field_boost=BOOSTS["stem"]
        )
        for language in LANGUAGES
    }
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        fingerprint=fields.STORED(),
        title=fields.TEXT(analyzer=exact, phrase=False, field_boost=BOOSTS["title"]),
        body=fields.TEXT(analyzer=exact, phrase=False, field_boost=BOOSTS["body"]),
        category=fields.TEXT(analyzer=exact, phrase=False, field_boost=BOOSTS["category"]),
        grams=fields.TEXT(analyzer=gram_analyzer(), phrase=False, field_boost=BOOSTS["grams"]),
        facts=fields.COLUMN(columns.FixedBytesColumn(FACTS.size, default=bytes(FACTS.size))),
        **stems,
    )


def facts_of(document: ListingDocument) -> bytes:
    return FACTS.pack(
        document.listing_id,
        document.category_id,
        document.family_id,
        document.organisation_id or 0,
        KIND_CODES.get(document.kind, 0),
        CONDITION_CODES.get(document.condition or "", 0),
        1 if document.free else 0,
        document.price_cents,
        round(document.latitude * 1_000_000),
        round(document.longitude * 1_000_000),
        document.published,
    )


def fields_of(document: ListingDocument) -> dict[str, Any]:
    """The Whoosh document. Text in the listing's own language is stemmed in that language;
    product type names are stemmed in each of theirs, so they are found in all three. Family
    names ("Tiilet ja keramiikka") say less about a listing than its type, so they weigh as
    description words only."""
    types = {language: names[0] for language, names in document.category_names.items()}
    families = " ".join(names[1] for names in document.category_names.values() if len(names) > 1)
    type_names = " ".join(types[language] for language in LANGUAGES)
    values: dict[str, Any] = {
        "id": str(document.listing_id),
        "fingerprint": document.fingerprint(),
        "title": document.title,
        "body": f"{document.description} {families} {document.place_text}",
        "category": type_names,
        "grams": f"{document.title} {type_names}",
        "facts": facts_of(document),
    }
    for language in LANGUAGES:
        text = types[language]
        if language == document.language:
            text = f"{document.title} {document.description} {text}"
        values[f"stem_{language}"] = text
    return values
