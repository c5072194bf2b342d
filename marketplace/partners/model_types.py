"""Field rules for the models of the partner API (`items`, and the bodies in `api.models`).

Each rule is stated once, for `Annotated[type, rule]`, and both the validation and the JSON
Schema (so the OpenAPI document) come from it: text follows the product's text rules
(`core.inputs.text_problem`), decimals their limits (`core.inputs.Limits`). Patterns are
anchored and checked with `fullmatch`, as a JSON Schema validator reads them.

Messages are the product's own, in the reader's language: a failed rule raises `fail(...)`
with the translated text (see `model_errors`).
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic_core import CoreSchema, core_schema

from marketplace.core.inputs import (
    Limits,
    NumberProblem,
    check_decimal,
    normalise_newlines,
    text_problem,
)
from marketplace.partners.model_errors import REQUIRED, fail
from marketplace.partners.text_patterns import text_pattern


class ApiModel(BaseModel):
    """A body of the API: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class Rule(ABC):
    """A field's rule: `check` validates (raising `fail`) and returns the value to hold,
    `schema` states the same rule in JSON Schema, and `writer`, where there is one, writes
    the held value into JSON."""

    @abstractmethod
    def check(self, value: Any) -> Any: ...

    @abstractmethod
    def schema(self) -> dict[str, Any]: ...

    def writer(self) -> Callable[[Any], Any] | None:
        return None

    def validate(self, value: Any) -> Any:
        # A field that may be null says so with `| None`, which Pydantic handles first.
        if value is None:
            raise fail(REQUIRED)
        return self.check(value)

    def __get_pydantic_core_schema__(self, _source: Any, _handler: Any) -> CoreSchema:
        writer = self.writer()
        written = None
        if writer is not None:
            written = core_schema.plain_serializer_function_ser_schema(writer)
        return core_schema.no_info_plain_validator_function(self.validate, serialization=written)

    def __get_pydantic_json_schema__(self, _core: Any, _handler: Any) -> dict[str, Any]:
        return self.schema()


def _described(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description} if description else schema


def _character_message(problem: Any) -> Any:
    if problem.line_break:
        return _l("Give this on one line, without line breaks.")
    return _l(
        "Remove the character %(code)s at position %(position)d: control, "
        "bidirectional and invisible characters are not accepted.",
        code=problem.code,
        position=problem.position,
    )


@dataclass(frozen=True)
class Text(Rule):
    """Text of `least` to `most` characters: at most `most` as sent, at least `least` once
    the spaces around it (which are not stored) are removed."""

    least: int
    most: int
    multiline: bool = False
    description: str = ""

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise fail(_l("Give a string."))
        normal = normalise_newlines(value) if self.multiline else value
        problem = text_problem(normal, multiline=self.multiline)
        if problem is not None:
            raise fail(_character_message(problem))
        stored = str(normal.strip())
        if len(value) > self.most or len(stored) < self.least:
            least, most = self.least, self.most
            raise fail(_l("Give %(least)d to %(limit)d characters.", least=least, limit=most))
        return stored

    def schema(self) -> dict[str, Any]:
        pattern = text_pattern(self.least, self.multiline)
        schema: dict[str, Any] = {"type": "string", "maxLength": self.most, "pattern": pattern}
        if self.least:
            schema["minLength"] = self.least
        return _described(schema, self.description)


@dataclass(frozen=True)
class Pattern(Rule):
    """A string matching `pattern` (anchored), other than those in `refused`."""

    pattern: str
    message: Any
    description: str = ""
    refused: tuple[str, ...] = ()
    max_length: int | None = None

    def check(self, value: Any) -> str:
        whole = self.pattern.removeprefix("^").removesuffix("$")
        if not isinstance(value, str) or not re.fullmatch(whole, value) or value in self.refused:
            raise fail(self.message)
        if self.max_length is not None and len(value) > self.max_length:
            raise fail(self.message)
        return value

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "pattern": self.pattern}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.refused:
            schema["not"] = {"enum": list(self.refused)}
        return _described(schema, self.description)


# Numbers


def _digits(count: int) -> str:
    return r"\d" if count == 1 else rf"\d{{1,{count}}}"


def decimal_pattern(limits: Limits) -> str:
    """Plain decimal notation for a value within `limits` (which run from 0 to a power of
    ten), with at most `limits.places` decimals; zeros may follow them."""
    places, whole = limits.places, len(str(int(limits.most))) - 1
    assert limits.least == 0 and limits.most == Decimal(10) ** whole
    fraction = rf"(?:\.\d{{1,{places}}}0*)?"
    top = rf"0*1{'0' * whole}(?:\.0+)?"
    if not limits.positive:
        return rf"^(?:0*{_digits(whole)}{fraction}|{top})$"
    nonzero = "|".join(rf"0{{{zeros}}}[1-9]\d{{0,{places - 1 - zeros}}}" for zeros in range(places))
    return rf"^(?:0*[1-9]\d{{0,{whole - 1}}}{fraction}|0+\.(?:{nonzero})0*|{top})$"


PLAIN_DECIMAL = re.compile(r"0*\d{1,18}(?:\.\d+)?")
NOT_A_DECIMAL = _l('Give a decimal number as a string, like "12.50".')


def _from_float(value: float) -> Decimal | None:
    """A JSON number with a fraction as the decimal it stands for: floating-point noise
    (0.5700000000000001, which is 57 × 0.01 in binary) is read as the number meant."""
    if not math.isfinite(value) or abs(value) >= 1e12:
        return None
    exact = Decimal(repr(value))
    rounded = exact.quantize(Decimal("1e-9"))
    noise = (abs(exact) + 1) * Decimal("1e-15")
    return rounded.normalize() if abs(rounded - exact) <= noise else exact


def _read_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return Decimal(value) if PLAIN_DECIMAL.fullmatch(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    return _from_float(value) if isinstance(value, float) else None


def decimal_text(value: Decimal) -> str:
    """ "500" rather than "500.000" or "5E+2"."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class DecimalText(Rule):
    """A decimal within `limits`, best sent as a string ("12.50"); held as a Decimal and
    answered as a string. The pattern in the schema is the rule the check applies."""

    limits: Limits
    description: str = ""
    # Money keeps its cents ("45.00"); other decimals lose their trailing zeros ("12.5").
    fixed: bool = False

    def writer(self) -> Callable[[Decimal], str]:
        if not self.fixed:
            return decimal_text
        step = Decimal(1).scaleb(-self.limits.places)
        return lambda value: format(value.quantize(step), "f")

    def check(self, value: Any) -> Decimal:
        limits = self.limits
        number = _read_decimal(value)
        if number is None or number < limits.least:
            raise fail(NOT_A_DECIMAL)
        try:
            return check_decimal(number, limits)
        except NumberProblem as problem:
            if problem.problem == "places":
                raise fail(_l("Use at most %(places)d decimals.", places=limits.places)) from None
            if number <= 0:
                raise fail(_l("The quantity must be more than zero.")) from None
            raise fail(_l("Give at most %(most)s.", most=limits.most)) from None

    def schema(self) -> dict[str, Any]:
        limits = self.limits
        bound = "exclusiveMinimum" if limits.positive else "minimum"
        low, high = int(limits.least), int(limits.most)
        step = float(Decimal(1).scaleb(-limits.places))
        return {
            "anyOf": [
                {"type": "string", "pattern": decimal_pattern(limits)},
                {"type": "integer", bound: low, "maximum": high},
                {"type": "number", bound: low, "maximum": high, "multipleOf": step},
            ],
            "description": self.description
            or f"A decimal number with at most {limits.places} decimals, best as a string.",
        }


@dataclass(frozen=True)
class Number(Rule):
    """A JSON number from `least` to `most` (a coordinate)."""

    least: float
    most: float

    def check(self, value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            # An int is compared as it is: math.isfinite(10**400) raises OverflowError.
            or (isinstance(value, float) and not math.isfinite(value))
            or not self.least <= value <= self.most
        ):
            message = _l("Give a number from %(low)s to %(high)s.", low=self.least, high=self.most)
            raise fail(message)
        return float(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "number", "minimum": self.least, "maximum": self.most}


@dataclass(frozen=True)
class WholeNumber(Rule):
    least: int
    most: int

    def check(self, value: Any) -> int:
        # JSON has one kind of number: 249.0 is the whole number 249, as JSON Schema says.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(self._message())
        if not self.least <= value <= self.most:
            raise fail(self._message())
        return value

    def _message(self) -> Any:
        return _l("Give a whole number from %(low)d to %(high)d.", low=self.least, high=self.most)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.least, "maximum": self.most}


# Dates and times

_YEAR_DAY = r"(?:19|2\d)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
DATE_PATTERN = rf"^{_YEAR_DAY}$"
MOMENT_PATTERN = (
    rf"^{_YEAR_DAY}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{{1,6}})?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$"
)


@dataclass(frozen=True)
class Day(Rule):
    """A date, YYYY-MM-DD (years 1900 to 2999)."""

    def writer(self) -> Callable[[date], str]:
        return date.isoformat

    def check(self, value: Any) -> date:
        if isinstance(value, str) and re.fullmatch(DATE_PATTERN[1:-1], value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise fail(_l("Give a date as YYYY-MM-DD."))

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}


def read_moment(value: Any) -> datetime:
    """A date and time with its zone (RFC 3339, years 1900 to 2999), in UTC."""
    if isinstance(value, str) and re.fullmatch(MOMENT_PATTERN[1:-1], value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    raise fail(_l("Give a date and time with a zone, like 2026-05-01T08:00:00Z."))


@dataclass(frozen=True)
class MomentIn(Rule):
    def check(self, value: Any) -> datetime:
        return read_moment(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}


def utc_text(value: datetime) -> str:
    """Times in answers: ISO 8601 in UTC, as "2026-05-01T08:00:00+00:00"."""
    return value.astimezone(UTC).isoformat()


Moment = Annotated[
    datetime,
    PlainSerializer(utc_text, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
DayOut = Annotated[
    date,
    PlainSerializer(date.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date"}),
]


# URLs: a host name or address, an optional port, path and query, in plain ASCII.

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_CHARACTERS = r"[A-Za-z0-9._~!$&'()*+,;=:@%/?-]"
_PORT = r"(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|\d{1,4})"
_URL_TAIL = rf"{_LABEL}(?:\.{_LABEL})*(?::{_PORT})?(?:/{_CHARACTERS}*)?"
HTTPS_URL = rf"^https://{_URL_TAIL}$"
HTTP_URL = rf"^https?://{_URL_TAIL}$"
