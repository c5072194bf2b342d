"""The text rules of `core.inputs` written as JSON Schema patterns, so that the OpenAPI
document says which characters text may hold: the characters `text_problem` refuses, and
those `str.strip` removes, found by asking them of every character."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from marketplace.core.inputs import normalise_newlines, text_problem


def _ranges(points: Iterable[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return ranges


def _escape(point: int) -> str:
    # \uXXXX reads the same in JSON Schema (ECMA 262), Python and Rust; a character beyond the
    # BMP is written as itself, which all three read too.
    return f"\\u{point:04X}" if point <= 0xFFFF else chr(point)


def _negated_class(points: Iterable[int]) -> str:
    parts = [
        _escape(low) if low == high else f"{_escape(low)}-{_escape(high)}"
        for low, high in _ranges(sorted(points))
    ]
    return "[^" + "".join(parts) + "]"


# Planes 4 to 13 hold no assigned character, and planes 15 and 16 are for private use:
# text_problem allows all of them, so the scan skips them.
_SCANNED = (*range(0x40000), *range(0xE0000, 0xF0000))


@functools.cache
def _refused(multiline: bool) -> tuple[frozenset[int], frozenset[int]]:
    """The characters text may not hold, and those `str.strip` removes, by the rules of
    `core.inputs` (lone surrogates aside: no UTF-8 JSON body can carry one)."""
    refused, spaces = set(), set()
    for point in _SCANNED:
        if 0xD800 <= point <= 0xDFFF:
            continue
        character = normalise_newlines(chr(point)) if multiline else chr(point)
        if text_problem(character, multiline=multiline) is not None:
            refused.add(point)
        elif character.isspace():
            spaces.add(point)
    return frozenset(refused), frozenset(spaces)


@functools.cache
def text_pattern(least: int, multiline: bool = False) -> str:
    """The text rules as a pattern: allowed characters only, and at least `least` of them
    once the spaces around the text are removed. Computed (in about a second) when the
    OpenAPI document is first built; validation applies the rules themselves."""
    refused, spaces = _refused(multiline)
    allowed, solid = _negated_class(refused), _negated_class(refused | spaces)
    if least == 0:
        return f"^{allowed}*$"
    if least == 1:
        return f"^{allowed}*{solid}{allowed}*$"
    return f"^{allowed}*{solid}{allowed}{{{least - 2},}}{solid}{allowed}*$"
