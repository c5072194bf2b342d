"""A search as the product understands it, parsed from query arguments.

The search page is lenient: a value it cannot use is dropped and explained, so a shared link
never ends in an error. The API is strict: every problem is reported with its field (422).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.core.inputs import (
    EUROS,
    LATITUDE,
    LONGITUDE,
    NumberProblem,
    read_decimal,
    text_problem,
)
from marketplace.core.money import cents_from_euros, parse_decimal
from marketplace.errors import FieldProblem, ValidationError
from marketplace.models import Condition, ListingKind
from marketplace.search.geo import Point

MAX_TEXT = 200
MAX_WORDS = 8
MAX_PAGE = 1000
MAX_PER_PAGE = 60
DEFAULT_PER_PAGE = 24
MAX_RADIUS_KM = 200.0
MAX_PRICE_EUROS = EUROS.most
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){0,10}")
POSTAL_CODE = re.compile(r"\d{5}")
PARAMETERS = frozenset(
    {
        "q",
        "category",
        "kind",
        "condition",
        "organisation",
        "free",
        "min_price",
        "max_price",
        "near",
        "radius_km",
        "postal_code",
        "sort",
        "page",
        "per_page",
    }
)
TRUE = {"1", "true", "on", "yes"}
FALSE = {"", "0", "false", "off", "no"}


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    NEAREST = "nearest"
    PRICE = "price"


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    kind: ListingKind | None = None
    # The slug of a category family or of a product type.
    category: str | None = None
    condition: Condition | None = None
    organisation: int | None = None
    free: bool = False
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    near: Point | None = None
    radius_km: float | None = None
    # As typed; `near` holds where it is, once known.
    postal_code: str | None = None
    sort: Sort | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def effective_sort(self) -> Sort:
        """Relevance when there are words, nearest first around a point, else newest."""
        if self.sort is not None:
            return self.sort
        if self.text.strip():
            return Sort.RELEVANCE
        return Sort.NEAREST if self.near is not None else Sort.NEWEST

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def changed(self, **changes: Any) -> SearchQuery:
        return replace(self, **changes)

    def args(self, **changes: Any) -> dict[str, str]:
        """Query arguments that reproduce this search (with some values changed): what the
        address bar shows, so a search can be shared."""
        query = replace(self, **changes)
        values: dict[str, Any] = {
            "q": query.text,
            "category": query.category,
            "kind": query.kind.value if query.kind else None,
            "condition": query.condition.value if query.condition else None,
            "organisation": query.organisation,
            "free": "1" if query.free else None,
            "min_price": _euros(query.min_price_cents),
            "max_price": _euros(query.max_price_cents),
            "postal_code": query.postal_code,
            "near": None if query.postal_code or query.near is None else str(query.near),
            "radius_km": _number(query.radius_km),
            "sort": query.sort.value if query.sort else None,
            "page": query.page if query.page != 1 else None,
            "per_page": query.per_page if query.per_page != DEFAULT_PER_PAGE else None,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


def _euros(cents: int | None) -> str | None:
    if cents is None:
        return None
    return f"{cents // 100}" if cents % 100 == 0 else f"{cents / 100:.2f}"


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


class QueryError(ValidationError):
    """Every problem with a search's parameters, each with its field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(problems[0].message, field=problems[0].field)
        self.all_problems = problems

    @property
    def problems(self) -> list[FieldProblem]:
        return self.all_problems


@dataclass
class _Parser:
    args: Mapping[str, Any]
    strict: bool
    problems: list[FieldProblem] = field(default_factory=list)

    def fail(self, name: str, message: Any) -> None:
        self.problems.append(FieldProblem(name, str(message)))

    def text(self, name: str) -> str:
        value = self.args.get(name)
        if value is None:
            return ""
        # A NUL or a bidi override is no search; PostgreSQL cannot even store a NUL.
        problem = text_problem(str(value))
        if problem is not None:
            self.fail(
                name,
                _l(
                    "Remove the hidden character %(code)s (character %(position)d): "
                    "it may have come along with copied text.",
                    code=problem.code,
                    position=problem.position,
                ),
            )
            return ""
        return str(value).strip()

    def text_query(self) -> str:
        text = " ".join(self.text("q").split())
        if len(text) > MAX_TEXT:
            self.fail("q", _l("Search with at most %(max)d characters.", max=MAX_TEXT))
            text = text[:MAX_TEXT]
        return text

    def choice(self, name: str, enum: type[Any]) -> Any:
        value = self.text(name)
        if not value:
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.fail(name, _l("Choose one of: %(allowed)s.", allowed=allowed))
            return None

    def slug(self, name: str) -> str | None:
        value = self.text(name).lower()
        if not value:
            return None
        if not SLUG.fullmatch(value):
            self.fail(name, _l("No such category."))
            return None
        return value

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self.text(name)
        if not value:
            return None
        if not re.fullmatch(r"[+-]?\d{1,9}", value) or not low <= int(value) <= high:
            self.fail(name, _l("Give a whole number from %(low)d to %(high)d.", low=low, high=high))
            return None
        return int(value)

    def flag(self, name: str) -> bool:
        value = self.text(name).lower()
        if value in TRUE:
            return True
        if value not in FALSE:
            self.fail(name, _l("Use 1 for yes or 0 for no."))
        return False

    def price(self, name: str) -> int | None:
        value = self.text(name)
        if not value:
            return None
        try:
            euros = parse_decimal(value, EUROS)
        except NumberProblem:
            self.fail(name, _l("Give a price in euros from 0 to 100 000."))
            return None
        return cents_from_euros(euros)

    def number(self, name: str) -> float | None:
        value = self.text(name).replace(",", ".")
        if not value:
            return None
        try:
            return float(parse_decimal(value))
        except NumberProblem:
            self.fail(name, _l("Give a number."))
            return None

    def point(self, name: str) -> Point | None:
        value = self.text(name)
        if not value:
            return None
        parts = [part for part in re.split(r"[,;\s]+", value) if part]
        try:
            lat, lon = parts
            return Point(float(read_decimal(lat, LATITUDE)), float(read_decimal(lon, LONGITUDE)))
        except NumberProblem as problem:
            if problem.problem == "range":
                self.fail(
                    name,
                    _l("Latitude must be between -90 and 90 and longitude between -180 and 180."),
                )
                return None
        except ValueError:
            pass
        self.fail(name, _l("Give the point as latitude,longitude, e.g. 60.2172,24.7535."))
        return None

    def postal_code(self) -> str | None:
        value = self.text("postal_code").replace(" ", "")
        if not value:
            return None
        if not POSTAL_CODE.fullmatch(value):
            self.fail("postal_code", _l("A Finnish postal code has five digits."))
            return None
        return value

    def radius(self, has_point: bool) -> float | None:
        radius = self.number("radius_km")
        if radius is None:
            return None
        if not 0 < radius <= MAX_RADIUS_KM:
            self.fail(
                "radius_km", _l("Give a distance from 0 to %(max)d km.", max=int(MAX_RADIUS_KM))
            )
            return None
        if not has_point:
            self.fail(
                "radius_km",
                _l("A distance needs a place to measure from: a postal code or a point."),
            )
            return None
        return radius

    def unknown(self) -> None:
        for name in self.args:
            if name not in PARAMETERS:
                allowed = ", ".join(sorted(PARAMETERS))
                self.fail(name, _l("Unknown parameter. Use: %(allowed)s.", allowed=allowed))


def parse_query(
    args: Mapping[str, Any], *, strict: bool = False, per_page: int | None = None
) -> tuple[SearchQuery, list[FieldProblem]]:
    """The search the arguments describe and what was wrong with them. With `strict`, any
    problem raises QueryError instead. `per_page` fixes the page size (the search page)."""
    parser = _Parser(args, strict)
    if strict:
        parser.unknown()
    near = parser.point("near")
    postal_code = parser.postal_code()
    query = SearchQuery(
        text=parser.text_query(),
        kind=parser.choice("kind", ListingKind),
        category=parser.slug("category"),
        condition=parser.choice("condition", Condition),
        organisation=parser.integer("organisation", 1, 2**31 - 1),
        free=parser.flag("free"),
        min_price_cents=parser.price("min_price"),
        max_price_cents=parser.price("max_price"),
        near=near,
        postal_code=postal_code,
        radius_km=parser.radius(near is not None or postal_code is not None),
        sort=parser.choice("sort", Sort),
        page=parser.integer("page", 1, MAX_PAGE) or 1,
        per_page=per_page or parser.integer("per_page", 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE,
    )
    query = _consistent(query, parser)
    if strict and parser.problems:
        raise QueryError(parser.problems)
    return query, parser.problems


def _consistent(query: SearchQuery, parser: _Parser) -> SearchQuery:
    low, high = query.min_price_cents, query.max_price_cents
    if low is not None and high is not None and low > high:
        parser.fail("max_price", _l("The highest price is lower than the lowest."))
        query = replace(query, max_price_cents=None)
    if query.sort == Sort.NEAREST and query.near is None and query.postal_code is None:
        parser.fail("sort", _l("Nearest first needs a place: a postal code or a point."))
        query = replace(query, sort=None)
    return query
