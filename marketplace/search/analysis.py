"""How words become index terms, in Finnish, Swedish and English.

Every listing is indexed three ways, and a query word is looked up all three ways:

- exact: lower-cased words, so that the word as typed ranks first;
- stemmed: per language, with stop words. Swedish and English use the Snowball stemmers
  (the `snowballstemmer` package). Finnish uses the light stemmer below, because Snowball's
  Finnish conflates inconsistently ("ikkuna" → "iku" but "ikkunat" → "ikkun"), which loses
  exactly the inflected forms people type;
- n-grams: 4 and 5 letter pieces of titles and category names, folded (ä → a), which find a
  word inside a compound ("levy" in "kipsilevy", "tegel" in "murtegel"). The query side takes
  the n-grams of the word's shortest stem, so "kipsilevyjä" still finds "kipsilevy".

Both backends and the alerts share this module, so it needs no search engine: the Whoosh
backend builds its analysers from these functions (see `schema`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.swedish_stemmer import SwedishStemmer

from marketplace.search.stop_words import EVERYWHERE, STOP_WORDS

LANGUAGES = ("fi", "sv", "en")
GRAM_MIN = 4
GRAM_MAX = 5
# Words as the tokenizer sees them; a query is cut into the same pieces.
WORD = re.compile(r"\w+(?:\.?\w+)*")
FOLD = str.maketrans({"ä": "a", "å": "a", "ö": "o"})
VOWELS_OR_J = "aeiouyj"

# Finnish case endings and clitics, folded (ä → a, ö → o), longest first. The essive "-na" is
# left out: too many stems end so ("ikkuna"). The partitive "-ta" is handled apart.
FINNISH_ENDINGS = tuple(
    sorted(
        (
            "kaan",
            "kin",
            "isiin",
            "ihin",
            "iden",
            "itten",
            "tten",
            "issa",
            "ista",
            "illa",
            "ilta",
            "ille",
            "iksi",
            "ssa",
            "sta",
            "lla",
            "lta",
            "lle",
            "tta",
            "ksi",
            "hin",
            "den",
            "ja",
            "n",
            "t",
        ),
        key=len,
        reverse=True,
    )
)
# Consonant gradation alternates in the last syllable (lauta : laudat, kaappi : kaapit,
# pelti : pellit); both grades map to one spelling, so that every form shares a stem.
GRADATION = (
    ("kk", "k"),
    ("pp", "p"),
    ("tt", "t"),
    ("ll", "lt"),
    ("nn", "nt"),
    ("rr", "rt"),
    ("mm", "mp"),
    ("ng", "nk"),
    ("d", "t"),
)
# The weak grade of a doubled stop is the start of the strong one ("hark" is in "harkko" and
# in "harkot"), so a piece of a compound can end there.
WEAK_STOPS = ("kk", "pp", "tt")


def _strip_ending(word: str) -> str:
    if word.endswith("nen") and len(word) > 6:
        return word[:-3] + "s"  # valkoinen : valkoiset, -nen adjectives and nouns
    for ending in FINNISH_ENDINGS:
        stem_length = len(word) - len(ending)
        # "-lta" on a short word is more likely the partitive of an l-stem (tiiltä).
        partitive = ending == "lta" and stem_length <= 3
        if len(ending) > 2 and word.endswith(ending) and stem_length >= 3 and not partitive:
            return word[: -len(ending)]
    if word.endswith("ta") and len(word) > 5:
        # The partitive after a consonant, a long vowel or the plural i: tiiltä, maata,
        # ikkunoita; after another short vowel "-ta" is the stem's own (lauta, pöytä).
        short_vowel = word[-3] in "aeouy" and word[-4] != word[-3]
        if not short_vowel:
            return word[:-2]
    for ending in FINNISH_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _strip_vowels(word: str) -> str:
    """Drop the stem vowel and plural markers (ikkunoi → ikkun), keeping two letters."""
    end = len(word)
    while end > 2 and word[end - 1] in VOWELS_OR_J:
        end -= 1
    return word[:end]


def finnish_prefix(word: str) -> str:
    """The word without its case ending, stem vowel and plural marker, still spelled as in the
    text (folded): a piece that compounds and other forms of the word contain."""
    return _strip_vowels(_strip_ending(word.lower().translate(FOLD)))


def finnish_stem(word: str) -> str:
    """A light Finnish stemmer: strip one case ending (or clitic), the stem vowel and plural
    markers, then normalise consonant gradation. Consistent rather than linguistically exact:
    ikkuna, ikkunat, ikkunoita and ikkunassa all become "ikkun"."""
    stem = finnish_prefix(word)
    if len(stem) < 3:
        return stem
    for strong, weak in GRADATION:
        if stem.endswith(strong) and len(stem) > len(strong) + 1:
            return stem[: -len(strong)] + weak
    return stem


def finnish_pieces(word: str) -> list[str]:
    """Pieces of a Finnish word that its other forms and compounds containing it contain:
    without ending and vowels (weak grade), or without the ending only ("levyjä" → "levy")."""
    folded = word.lower().translate(FOLD)
    prefix = finnish_prefix(folded)
    if prefix.endswith(WEAK_STOPS):
        prefix = prefix[:-1]
    return [prefix, _strip_ending(folded)]


def swedish_stem(word: str) -> str:
    # A Snowball stemmer keeps the word it works on in itself: one per call, for threads.
    return str(SwedishStemmer().stemWord(word))


def english_stem(word: str) -> str:
    return str(EnglishStemmer().stemWord(word))


STEMMERS: dict[str, Callable[[str], str]] = {
    "fi": finnish_stem,
    "sv": swedish_stem,
    "en": english_stem,
}
# Shorter words are left out, as stop words are: Whoosh's stop filter does so.
MIN_WORD = 2


@dataclass(frozen=True)
class WordForms:
    """What one query word is looked up as."""

    word: str
    # The word's stem in each language; None where it is a stop word there.
    stems: dict[str, str | None]
    # Folded n-grams that a compound containing the word contains, or () for short words.
    grams: tuple[str, ...]
    # The folded piece those n-grams cover, or "" for short words.
    piece: str = ""

    @property
    def is_stop_word(self) -> bool:
        return all(stem is None for stem in self.stems.values())


def _stem(word: str, language: str) -> str | None:
    """The word's stem in `language`, as the stemmed field indexes it; None for a stop word."""
    stop = STOP_WORDS[language]
    tokens = [
        token
        for token in text_words(word)
        if len(token) >= MIN_WORD and token not in stop and token not in EVERYWHERE
    ]
    return STEMMERS[language](tokens[0]) if tokens else None


def grams_of(piece: str) -> tuple[str, ...]:
    """The longest n-grams covering `piece`: all of them must occur in a matching word."""
    if len(piece) < GRAM_MIN:
        return ()
    if len(piece) <= GRAM_MAX:
        return (piece,)
    return tuple(piece[start : start + GRAM_MAX] for start in range(len(piece) - GRAM_MAX + 1))


@lru_cache(maxsize=4096)
def word_forms(word: str) -> WordForms:
    word = word.lower()
    stems = {language: _stem(word, language) for language in LANGUAGES}
    # The shortest piece reaches furthest into compounds ("ikkunoita" → "ikkun", "bricks" →
    # "brick"); below four letters a piece matches too much by chance. A long
    # piece loses its last letter, where Swedish and Finnish inflection changes it most
    # ("fönstren" → "fönst", as in "fönster").
    candidates = finnish_pieces(word) + [
        stem.translate(FOLD) for stem in (stems["sv"], stems["en"]) if stem
    ]
    usable = [piece for piece in candidates if len(piece) >= GRAM_MIN]
    piece = min(usable, key=len) if usable else word.translate(FOLD)
    if len(piece) >= 6:
        piece = piece[:-1]
    grams = grams_of(piece)
    return WordForms(word=word, stems=stems, grams=grams, piece=piece if grams else "")


def meaningful_words(text: str, limit: int) -> list[WordForms]:
    """The query's words, without stop words unless there is nothing else."""
    forms = [word_forms(word) for word in query_words(text, limit)]
    content = [f for f in forms if all(stem is not None for stem in f.stems.values())]
    return content or forms


def text_words(text: str) -> list[str]:
    """Every word of a text, lower-cased, as the exact fields index them."""
    return WORD.findall(text.lower())


def finnish_stems(text: str) -> str:
    """The text's words by the light Finnish stemmer, Finnish stop words left out."""
    stop = STOP_WORDS["fi"]
    return " ".join(_finnish_stem(word) for word in text_words(text) if word not in stop)


@lru_cache(maxsize=50_000)
def _finnish_stem(word: str) -> str:
    return finnish_stem(word)


def folded(text: str) -> str:
    """Words of a text lower-cased, folded (ä → a) and joined by spaces, as n-grams see them."""
    return " ".join(text_words(text)).translate(FOLD)


def query_words(text: str, limit: int) -> list[str]:
    """The words of a query, lower-cased, without repeats, at most `limit` of them. Anything
    that is not a word (quotes, wildcards, operators) is dropped, so there is no query
    syntax to get wrong."""
    seen: list[str] = []
    for match in WORD.finditer(text.lower()):
        word = match.group()[:40]
        if word not in seen:
            seen.append(word)
        if len(seen) == limit:
            break
    return seen
