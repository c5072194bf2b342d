"""Does an offer's text say what a wanted ad asks for?

Word overlap, with the search package's analysis, in process and without the index: the
offer was committed a moment ago and the index may not have it yet, and one pair needs no
ranking. A wanted word matches an offer word when they share a stem in one of the three
languages ("tiiliä" and "tiilet"), or when the offer word contains the wanted word's n-grams,
which finds it inside a compound as the search's n-gram field does ("tiiliä" in
"punatiilet", "lautaa" in "terassilautaa"). The offer's words are its title, its description
and its category's names in all three languages, so "tegel" finds "Punatiilet" in the
category Bricks.
"""

from __future__ import annotations

from collections.abc import Iterable

from marketplace.models import Category, Listing
from marketplace.search.analysis import FOLD, LANGUAGES, WordForms, query_words, word_forms

WANTED_WORDS = 8
OFFER_WORDS = 300
# Words that say an ad is a wanted ad, or measure something, rather than what is wanted.
GENERIC = frozenset(
    {
        "etsitään",
        "etsin",
        "etsii",
        "haetaan",
        "haen",
        "ostetaan",
        "ostan",
        "tarvitaan",
        "tarvitsen",
        "tarvitsisin",
        "halutaan",
        "otetaan",
        "vastaan",
        "wanted",
        "looking",
        "seeking",
        "need",
        "needed",
        "sökes",
        "söker",
        "köpes",
        "behövs",
        "önskas",
        "kpl",
        "pcs",
        "st",
        "mm",
        "cm",
        "m2",
        "m3",
        "kg",
    }
)


def content_words(text: str, limit: int = WANTED_WORDS) -> list[WordForms]:
    """The words that say what is wanted: no stop words, numbers, units or "wanted"."""
    forms = []
    for word in query_words(text, limit):
        if word in GENERIC or word.isdigit() or len(word) < 3:
            continue
        found = word_forms(word)
        if not found.is_stop_word:
            forms.append(found)
    return forms


def _category_names(category: Category) -> str:
    names = [category.name_fi, category.name_sv, category.name_en]
    if category.parent is not None:
        names += [category.parent.name_fi, category.parent.name_sv, category.parent.name_en]
    return " ".join(names)


def offer_words(listing: Listing) -> list[WordForms]:
    text = f"{listing.title} {_category_names(listing.category)} {listing.description}"
    return [word_forms(word) for word in query_words(text, OFFER_WORDS)]


def _same(wanted: WordForms, offered: WordForms) -> bool:
    for language in LANGUAGES:
        stem = wanted.stems[language]
        if stem is not None and stem == offered.stems[language]:
            return True
    folded = offered.word.translate(FOLD)
    return bool(wanted.grams) and all(gram in folded for gram in wanted.grams)


def says_what_is_wanted(wanted: Iterable[WordForms], offered: list[WordForms]) -> bool:
    """True when one wanted word is in the offer, or when the wanted ad has no words of its
    own beyond "wanted" (then its category alone says what it wants)."""
    words = list(wanted)
    if not words:
        return True
    return any(_same(word, other) for word in words for other in offered)
