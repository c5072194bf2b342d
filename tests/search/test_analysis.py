"""Word analysis: the Finnish light stemmer conflates the forms people type, compounds are
found by their pieces, and query syntax cannot be got wrong because there is none."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.analysis.filters import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.lang import stemmer_for_language, stopwords_for_language

from marketplace.search.analysis import STEMMERS, finnish_stem, query_words, word_forms
from marketplace.search.stop_words import EVERYWHERE, STOP_WORDS

pytestmark = pytest.mark.search


@pytest.mark.parametrize(
    "forms",
    [
        "ikkuna ikkunat ikkunoita ikkunoiden ikkunaa ikkunan ikkunassa ikkunoihin",
        "kipsilevy kipsilevyt kipsilevyjä kipsilevyä kipsilevyille",
        "tiili tiilet tiiliä tiiltä tiilejä",
        "lauta laudat lautoja lautaa",
        "kaappi kaapit kaappeja",
        "pöytä pöydät pöytiä",
        "eriste eristeet eristeitä eristettä",
        "valkoinen valkoiset",
        "pelti pellit peltiä",
    ],
)
def test_inflected_finnish_forms_share_a_stem(forms: str) -> None:
    stems = {finnish_stem(word) for word in forms.split()}
    assert len(stems) == 1, stems


@pytest.mark.parametrize(
    ("word", "piece"),
    [
        ("levyjä", "levy"),
        ("ikkunoita", "ikkun"),
        ("harkko", "hark"),
        ("tegel", "tegel"),
        ("bricks", "brick"),
        ("fönstren", "fonst"),
    ],
)
def test_compounds_are_found_by_pieces_of_the_stem(word: str, piece: str) -> None:
    assert word_forms(word).grams[0] == piece


def test_stop_words_and_stems_per_language() -> None:
    forms = word_forms("windows")
    assert forms.stems["en"] == "window" and not forms.is_stop_word
    assert word_forms("och").stems["sv"] is None
    assert word_forms("ja").stems["fi"] is None


def test_query_syntax_is_just_words() -> None:
    assert query_words('"tiili* AND (ikkuna OR ovi)^2 ~ title:lauta', limit=8) == [
        "tiili",
        "and",
        "ikkuna",
        "or",
        "ovi",
        "2",
        "title",
        "lauta",
    ]
    assert query_words("tiili tiili TIILI", limit=8) == ["tiili"]
    assert len(query_words("sana " * 500, limit=8)) == 1
    assert len(query_words(" ".join(f"sana{n}" for n in range(50)), limit=8)) == 8


def test_stems_and_stop_words_are_those_whoosh_indexes_with() -> None:
    """Indexes built before the analysis needed no Whoosh stem their Swedish and English text
    with Whoosh's own Snowball stemmers, and queries must find what they hold."""
    demo = Path(__file__).resolve().parents[2] / "marketplace" / "demo" / "listings.toml"
    extra = "fönstren dörrar tegelstenar skivor bricks boards windows insulation scaffolding"
    words = query_words(f"{demo.read_text()} {extra}", limit=100_000)
    assert len(words) > 500
    for language in ("sv", "en"):
        whoosh_stem = stemmer_for_language(language)
        differing = [word for word in words if STEMMERS[language](word) != whoosh_stem(word)]
        assert differing == [], language
    for language in ("fi", "sv", "en"):
        assert STOP_WORDS[language] == frozenset(stopwords_for_language(language))
    assert EVERYWHERE == WHOOSH_STOP_WORDS
