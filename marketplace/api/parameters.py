"""The query parameters of API v1, declared as models like the bodies (`api.models`): the
partner's paged lists are read with them (`access.read_query`), and the document's parameters
are their JSON Schema. The public search's are declared for the document only: the search
page's parser (`search.query.parse_query`) reads them, as it reads the page's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from flask_babel import lazy_gettext as _l
from pydantic import Field, WithJsonSchema

from marketplace.core.inputs import EUROS, whole_number
from marketplace.models import ReservationStatus
from marketplace.partners.model_errors import fail
from marketplace.partners.model_types import (
    ApiModel,
    MomentIn,
    Pattern,
    Rule,
    Text,
    decimal_pattern,
)
from marketplace.partners.queries import CURSOR_PATTERN, PageRequest, read_cursor
from marketplace.search.query import MAX_PAGE, MAX_PER_PAGE, MAX_TEXT

# The search reads ids of at most nine digits (search.query's parser).
SEARCH_ID = {"type": "integer", "minimum": 1, "maximum": 999_999_999}
PRICE_QUERY = {
    "type": "string",
    "pattern": "^ *(?:" + decimal_pattern(EUROS)[1:-1].replace(r"\.", "[.,]") + ")? *$",
}


@dataclass(frozen=True)
class QueryNumber(Rule):
    """A whole number in a query string."""

    least: int
    most: int

    def check(self, value: Any) -> int:
        try:
            return whole_number(str(value), self.least, self.most)
        except ValueError:
            message = _l(
                "Give a whole number from %(low)d to %(high)d.", low=self.least, high=self.most
            )
            raise fail(message) from None

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.least, "maximum": self.most}


class PageQuery(ApiModel):
    updated_since: Annotated[datetime, MomentIn()] | None = Field(
        default=None, description="Only what changed at or after this time (with a zone)."
    )
    cursor: (
        Annotated[
            str,
            Pattern(
                CURSOR_PATTERN,
                _l("This cursor was not made by this API."),
                "`next_cursor` of the previous page; one this API did not make is refused (422).",
            ),
        ]
        | None
    ) = None
    limit: Annotated[int, QueryNumber(1, 500)] = 100

    def request(self) -> PageRequest:
        after = None if self.cursor is None else read_cursor(self.cursor)
        return PageRequest(self.updated_since, after, self.limit)


class ReservationQuery(PageQuery):
    status: list[ReservationStatus] = Field(
        default_factory=list, description="Any of these statuses (repeat the parameter)."
    )


def _or_empty(schema: dict[str, Any]) -> Any:
    """A search parameter: like the search page, the API reads an empty value as not given."""
    return WithJsonSchema({"anyOf": [schema, {"type": "string", "maxLength": 0}]})


def _choice(name: str) -> Any:
    """One of the values of a named enum of the document's."""
    return _or_empty({"$ref": f"#/components/schemas/{name}"})


def _decimal_query(whole: str, top: str, places: int) -> str:
    """A positive number in plain decimal notation (a point or a comma), below `top`
    (whole numbers matching `whole`) or `top` itself; spaces around; empty is not given."""
    nonzero = "|".join(rf"0{{{zeros}}}[1-9]\d{{0,{places - 1 - zeros}}}" for zeros in range(places))
    number = rf"0*{whole}(?:[.,]\d{{1,{places}}}0*)?|0*{top}(?:[.,]0+)?|0+[.,](?:{nonzero})0*"
    return rf"^ *(?:{number})? *$"


_DEGREES = r"(?:{whole}(?:\.\d{{1,15}}0*)?|{top}(?:\.0+)?)"
_LATITUDE = r"[+-]?0*" + _DEGREES.format(whole=r"[1-8]?\d", top="90")
_LONGITUDE = r"[+-]?0*" + _DEGREES.format(whole=r"(?:1[0-7]\d|[1-9]?\d)", top="180")


class ListingSearch(ApiModel):
    """The search page's parameters (validated by `search.query.parse_query`). Like the page,
    the API reads an empty value as not given and ignores spaces around a value; a value it
    cannot use is a 422 naming the parameter. A category or postal code that does not exist
    is refused too, as are `radius_km` and `sort=nearest` without a place (`near` or
    `postal_code`) and a `max_price` below `min_price`."""

    q: Annotated[str | None, WithJsonSchema(Text(0, MAX_TEXT).schema())] = Field(
        default=None, description="Words, in Finnish, Swedish or English."
    )
    category: Annotated[
        str | None,
        WithJsonSchema(
            {"type": "string", "pattern": r"^ *(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+){0,10})? *$"}
        ),
    ] = Field(default=None, description="A category family or product type slug.")
    kind: Annotated[str | None, _choice("ListingKind")] = None
    condition: Annotated[str | None, _choice("Condition")] = None
    organisation: Annotated[str | None, _or_empty(SEARCH_ID)] = None
    free: Annotated[str | None, WithJsonSchema({"type": "boolean"})] = Field(
        default=None, description="true for free listings only (1, yes and on say so too)."
    )
    min_price: Annotated[str | None, WithJsonSchema(PRICE_QUERY)] = Field(
        default=None, description="Euros."
    )
    max_price: Annotated[str | None, WithJsonSchema(PRICE_QUERY)] = Field(
        default=None, description="Euros; not below min_price."
    )
    near: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "pattern": rf"^ *(?:{_LATITUDE}[,; ]+{_LONGITUDE})? *$"}),
    ] = Field(default=None, description="latitude,longitude, e.g. 60.2172,24.7535.")
    postal_code: Annotated[
        str | None, WithJsonSchema({"type": "string", "pattern": r"^ *(?:(?:[0-9] *){5})?$"})
    ] = Field(default=None, description="Five digits; the search is around its centre.")
    radius_km: Annotated[
        str | None,
        WithJsonSchema(
            {"type": "string", "pattern": _decimal_query(r"(?:1\d\d|[1-9]\d?)", "200", 3)}
        ),
    ] = Field(default=None, description="Kilometres, up to 200; only with near or postal_code.")
    sort: Annotated[str | None, _choice("Sort")] = Field(
        default=None, description="nearest needs near or postal_code."
    )
    page: Annotated[str | None, _or_empty(QueryNumber(1, MAX_PAGE).schema())] = None
    per_page: Annotated[str | None, _or_empty(QueryNumber(1, MAX_PER_PAGE).schema())] = None
