"""What the product accepts from outside, said once for forms, the API, feeds and query strings:
numbers that fit where they go, and text that cannot break other people's screens or mail.

Numbers are read in plain decimal notation only (no exponent, NaN or Infinity) and checked
against their limits before any arithmetic: a `quantize` of 1e30 raises InvalidOperation
(Decimal's context has 28 digits), and the columns hold less still (prices are 32-bit integer
cents, quantities 64-bit integer thousandths). OWASP's Input Validation Cheat Sheet asks for
exactly this: an allow-list of forms and ranges, checked before use.

Text refuses control characters, bidirectional overrides, embeddings and isolates, and
invisible formatting characters (Unicode TR 36 and UTS 39 name them as spoofing tools): a
right-to-left override makes "photo\u202egpj.exe" read "photoexe.jpg", a zero-width space
makes two titles look the same, and a line break in a title becomes a line break in an
e-mail header. Zero-width joiners and non-joiners go too: Finnish, Swedish and English never
need them, and an invisible difference between two titles helps nobody but an impostor.
Multi-line text keeps its line breaks (as LF) and tabs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from marketplace.errors import ValidationError

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL; a larger one names nothing

# Plain decimal notation: optional sign, digits, one decimal point. Decimal() itself would
# also take "1e30", "NaN" and "Infinity", which nobody types as a quantity or a price.
PLAIN_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
# More integer digits than any limit below has; longer input is refused before Decimal().
MOST_DIGITS = 18
WHOLE_NUMBER = re.compile(r"\+?0*([0-9]{1,18})")

Problem = Literal["format", "places", "range"]


@dataclass(frozen=True)
class Limits:
    """The numbers a field takes: from `least` to `most` (above zero when `positive`), with at
    most `places` decimals."""

    least: Decimal
    most: Decimal
    places: int
    positive: bool = False

    def __post_init__(self) -> None:
        # Checking the decimals quantizes the value: that must fit Decimal's 28 digits.
        digits = max(abs(self.least), abs(self.most)).adjusted() + 1 + self.places
        if digits > 28:
            raise ValueError(f"{self} needs {digits} digits; Decimal computes with 28")


# Stock and reservations: quantity_total and reservations.quantity are scaled 64-bit integers
# (thousandths), so three decimals; a million units is more than any listing holds.
QUANTITY = Limits(Decimal(0), Decimal(1_000_000), 3, positive=True)
MASS_KG = Limits(Decimal(0), Decimal(100_000), 3)
# Prices, week prices and deposits are 32-bit integer cents (at most 21 474 836,47 €); the
# product takes up to 100 000 € in whole cents.
EUROS = Limits(Decimal(0), Decimal(100_000), 2)
LATITUDE = Limits(Decimal(-90), Decimal(90), 15)
LONGITUDE = Limits(Decimal(-180), Decimal(180), 15)
DISTANCE_KM = Limits(Decimal(0), Decimal(200), 3, positive=True)
# Where nothing narrower applies: still bounded, so that nothing downstream overflows.
ANY_NUMBER = Limits(Decimal(-(10**12)), Decimal(10**12), 3)


class NumberProblem(ValueError):
    """A number that is not in plain notation (`format`), has too many decimals (`places`) or
    lies outside its limits (`range`)."""

    def __init__(self, problem: Problem, limits: Limits) -> None:
        super().__init__(problem)
        self.problem = problem
        self.limits = limits


def check_decimal(value: Decimal, limits: Limits) -> Decimal:
    """The value, if it lies within the limits; the range is checked first, so that the
    decimals check never does arithmetic on a number too large for Decimal's context."""
    if not value.is_finite():
        raise NumberProblem("format", limits)
    if not limits.least <= value <= limits.most or (limits.positive and value <= 0):
        raise NumberProblem("range", limits)
    if value != value.quantize(Decimal(1).scaleb(-limits.places)):
        raise NumberProblem("places", limits)
    return value


def read_decimal(text: str, limits: Limits) -> Decimal:
    """A number typed in plain notation ("12.5", "-0.25", ".5"), within the limits."""
    match = PLAIN_DECIMAL.fullmatch(text.strip())
    if match is None or not (match.group(2) or match.group(3)):
        raise NumberProblem("format", limits)
    sign, whole, fraction = match.group(1), match.group(2).lstrip("0"), match.group(3) or ""
    if len(whole) > MOST_DIGITS:
        raise NumberProblem("range", limits)
    if len(fraction.rstrip("0")) > limits.places:
        raise NumberProblem("places", limits)
    number = f"{sign}{whole or 0}" + (f".{fraction}" if fraction else "")
    return check_decimal(Decimal(number), limits)


def number_message(problem: NumberProblem, label: Any) -> Any:
    """What a form or a page says of a number out of its limits, naming the field."""
    limits = problem.limits
    if problem.problem == "format":
        return _l("%(field)s: enter a number, like 12,5.", field=label)
    if problem.problem == "places":
        return _l("%(field)s: use at most %(places)d decimals.", field=label, places=limits.places)
    if limits.positive:
        return _l(
            "%(field)s: give a number more than zero, at most %(most)s.",
            field=label,
            most=number_text(limits.most),
        )
    return _l(
        "%(field)s: give a number between %(least)s and %(most)s.",
        field=label,
        least=number_text(limits.least),
        most=number_text(limits.most),
    )


def require_decimal(value: Decimal, limits: Limits, field: str, label: Any) -> Decimal:
    """`check_decimal` for services: a number out of its limits is a ValidationError that
    names its field, whoever called (a form, the API, a job)."""
    try:
        return check_decimal(value, limits)
    except NumberProblem as problem:
        message = number_message(problem, label)
        raise ValidationError(message, field=field) from None


def whole_number(text: str, least: int = 1, most: int = MAX_ID) -> int:
    """A whole number in ASCII digits within [least, most], or ValueError. ("²".isdigit() is
    true and int("²") fails; int() of 5000 digits fails too.)"""
    match = WHOLE_NUMBER.fullmatch(text.strip())
    if match is None or not least <= int(match.group(1)) <= most:
        raise ValueError(text)
    return int(match.group(1))


def row_id(text: str) -> int:
    """An id from a query string (`?organisation=3`): for `request.args.get(..., type=row_id)`,
    which turns the ValueError of a number no row can have into "not given"."""
    return whole_number(text)


def number_text(value: Decimal) -> str:
    """A limit as every language here can read it: "100 000" (SI digit groups)."""
    return f"{value.normalize():,f}".replace(",", " ")


# Text

LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Letters that draw nothing (Hangul fillers) and the invisible combining grapheme joiner;
# every other invisible character is a control (Cc) or format (Cf) character.
INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0")
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class TextProblem:
    position: int  # counted from 1, as people count characters
    character: str

    @property
    def line_break(self) -> bool:
        return self.character in LINE_BREAKS

    @property
    def code(self) -> str:
        return f"U+{ord(self.character):04X}"


def _refused(character: str) -> bool:
    return unicodedata.category(character) in REFUSED_CATEGORIES or character in INVISIBLE


def text_problem(text: str, *, multiline: bool = False) -> TextProblem | None:
    """The first character the text may not hold, or None. Multi-line text may hold LF and
    tab (normalise it with `normalise_newlines` first)."""
    if text.isprintable() and INVISIBLE.isdisjoint(text):
        return None  # the common case, at C speed: no control, format or separator at all
    allowed = "\n\t" if multiline else ""
    for position, character in enumerate(text, start=1):
        if character not in allowed and _refused(character):
            return TextProblem(position, character)
    return None


def normalise_newlines(text: Any) -> Any:
    """CRLF, CR and the other line separators as LF, for multi-line text (a WTForms filter
    too, so anything that is not a string passes unchanged)."""
    return NEWLINES.sub("\n", text) if isinstance(text, str) else text


def one_line(text: str) -> str:
    """The text with every refused character made a space and runs of spaces made one: for
    places where text must fit on one line whatever was stored (e-mail headers)."""
    if text_problem(text) is not None:
        text = "".join(" " if _refused(character) else character for character in text)
    return " ".join(text.split())


# URLs


class RowIdConverter(IntegerConverter):
    """`<int:...>` (every one is an id) turns a number no row can have into 0, which names
    no row either: the view answers 404 as for any unknown id, before a database sees the
    number (SQLite cannot bind it, PostgreSQL calls it out of range, and int() refuses 4300
    digits). Refusing the match instead would make Werkzeug answer 405 to some methods."""

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):
            return 0
        number = int(value)
        return number if number <= MAX_ID else 0


def register_inputs(app: Flask) -> None:
    """Before any blueprint adds its routes, since routes take their converters when added."""
    app.url_map.converters["int"] = RowIdConverter
