"""Inventory items as partners send them: `ItemInput`, declared once, from which
come the checks of the API and of feeds (`checked_items.parse_item`), the answers that read
items back (`api.models.Item` extends it), and the item's part of the OpenAPI document.

The rules that depend on the item's kind (see `item_kinds`) are checked by validators that
know the kind, and stated in the schema as `if`/`then` on `kind`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
)
from pydantic_core import core_schema

from marketplace.core.inputs import EUROS, QUANTITY
from marketplace.models import Condition, Language, Unit
from marketplace.partners.fetching import FetchError, check_url
from marketplace.partners.item_kinds import PER, ItemKind, PricePer, kind_rules
from marketplace.partners.model_errors import fail
from marketplace.partners.model_types import (
    HTTP_URL,
    ApiModel,
    Day,
    DecimalText,
    Number,
    Pattern,
    Rule,
    Text,
    WholeNumber,
)
from marketplace.partners.text_patterns import text_pattern

EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._~:@+-]{0,99}$"
# The path of the batch endpoint: an item of this id could never be addressed on its own.
RESERVED_IDS = ("batch",)
CATEGORY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+){0,10}$"
MAX_PHOTOS = 10
MAX_ATTRIBUTES = 50
POSTAL_CODE = _l("A Finnish postal code has five digits, like 02650.")
QUANTITY_RULE = (
    "More than 0, at most 1 000 000, with at most 3 decimals; a whole number for pcs and set, "
    "and for the category's unit if that is one of them and `unit` is left out (GET "
    "/categories gives each category's default_unit)."
)
NO_SUCH_CATEGORY = _l("No such category; GET /api/v1/categories lists them.")
BAD_EXTERNAL_ID = _l(
    "Give an id of 1 to 100 letters, digits and . _ ~ : @ + -, starting with a letter or digit."
)


def _kind_of(info: ValidationInfo) -> ItemKind | None:
    """The item's kind, read before its fields are (see `parse_item`)."""
    context = info.context if isinstance(info.context, Mapping) else {}
    kind = context.get("kind")
    return kind if isinstance(kind, ItemKind) else None


# The parts of an item

ExternalId = Annotated[
    str,
    Pattern(
        EXTERNAL_ID_PATTERN,
        BAD_EXTERNAL_ID,
        "The partner's own id of the item (from its ERP); `batch` is reserved.",
        RESERVED_IDS,
    ),
]
Amount = Annotated[
    Decimal, DecimalText(EUROS, "Euros, at most 100 000, with at most 2 decimals.", fixed=True)
]


@dataclass(frozen=True)
class _Euros(Rule):
    def check(self, value: Any) -> str:
        if value != "EUR":
            raise fail(_l("Prices are in euros: give EUR."))
        return "EUR"

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "const": "EUR", "default": "EUR"}


class Price(ApiModel):
    """A price in euros, per day or week (rentals) or per unit or lot (sales)."""

    amount: Amount
    currency: Annotated[Literal["EUR"], _Euros()] = "EUR"
    per: PricePer

    @field_validator("per")
    @classmethod
    def _per_of_the_kind(cls, per: PricePer, info: ValidationInfo) -> PricePer:
        kind = _kind_of(info)
        # A free item's price is wrong as a whole (see ItemInput), not for its `per`.
        allowed = PER[kind] if kind not in (None, ItemKind.FREE) else tuple(PricePer)
        if per not in allowed:
            raise fail(_l("Choose one of: %(allowed)s.", allowed=", ".join(allowed)))
        return per


class Location(ApiModel):
    """Where the item is picked up: the organisation's site of this name. A name the
    organisation has no site for creates one, and then address, postal_code, city, lat
    and lon are all needed."""

    name: Annotated[str, Text(1, 120)]
    address: Annotated[str, Text(1, 200)] | None = None
    postal_code: (
        Annotated[
            str, Pattern(r"^\d{5}$", _l("A Finnish postal code has five digits, like 02650."))
        ]
        | None
    ) = None
    city: Annotated[str, Text(1, 80)] | None = None
    lat: Annotated[float, Number(-90, 90)] | None = None
    lon: Annotated[float, Number(-180, 180)] | None = None


def _price_shape(value: Any) -> str:
    return "several" if isinstance(value, list) else "one"


Prices = Annotated[
    Annotated[Price, Tag("one")]
    | Annotated[list[Price], Tag("several"), Field(min_length=1, max_length=2)],
    Discriminator(_price_shape),
]
PRICE_BRANCHES = ("one", "several")


@dataclass(frozen=True)
class _PhotoUrl(Rule):
    def check(self, value: Any) -> str:
        if not isinstance(value, str) or len(value) > 2000:
            raise fail(_l("Give the photo's URL as a string."))
        try:
            check_url(value)
        except FetchError as error:
            raise fail(error) from None
        return Pattern(HTTP_URL, _l("The URL is not valid.")).check(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "pattern": HTTP_URL, "maxLength": 2000}


@dataclass(frozen=True)
class _AttributeValue(Rule):
    def check(self, value: Any) -> str | int | float | bool | None:
        if isinstance(value, str):
            if len(value) > 500:
                raise fail(_l("Keep attribute values under 500 characters."))
            Text(0, 500).check(value)  # the text rules, with their message
            return value
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(_l("Give a finite number."))
        if value is not None and not isinstance(value, int | float | bool):
            raise fail(_l("Give a string, a number, true or false."))
        return value

    def __get_pydantic_core_schema__(self, _source: Any, _handler: Any) -> Any:
        return core_schema.no_info_plain_validator_function(self.check)  # null is a value here

    def schema(self) -> dict[str, Any]:
        text = {"type": "string", "maxLength": 500, "pattern": text_pattern(0)}
        return {"anyOf": [text, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]}


def _attributes_schema(schema: dict[str, Any]) -> None:
    schema.pop("patternProperties", None)
    schema["propertyNames"] = Text(1, 64).schema()
    schema["additionalProperties"] = _AttributeValue().schema()


AttributeName = Annotated[str, Text(1, 64)]


EXAMPLE = {
    "external_id": "SCAF-0042",
    "kind": "rental",
    "title": "Facade scaffolding, 50 m²",
    "description": "Aluminium frame scaffolding with planks.",
    "language": "en",
    "category": "facade-scaffolding",
    "condition": "good",
    "quantity": "3",
    "unit": "set",
    "price": [
        {"amount": "45.00", "currency": "EUR", "per": "day"},
        {"amount": "180.00", "currency": "EUR", "per": "week"},
    ],
    "min_rental_days": 2,
    "deposit": "200.00",
    "location": {
        "name": "Kera depot",
        "address": "Keranportti 3",
        "postal_code": "02650",
        "city": "Espoo",
        "lat": 60.2172,
        "lon": 24.7535,
    },
    "attributes": {"model": "Layher Blitz 70"},
}


def _counted() -> dict[str, Any]:
    """Pieces and sets are counted in whole numbers (`Unit.whole_only`); so are those of
    the category's unit when `unit` is left out, which a schema cannot know."""
    whole = {
        "anyOf": [
            {"type": "string", "pattern": r"^0*(?:[1-9]\d{0,5}|1000000)(?:\.0+)?$"},
            {"type": "integer"},
        ]
    }
    counted = [unit.value for unit in Unit if unit.whole_only]
    return {
        "if": {"properties": {"unit": {"enum": counted}}, "required": ["unit"]},
        "then": {"properties": {"quantity": whole}},
    }


def _item_schema(schema: dict[str, Any], model: type) -> None:
    schema.update(kind_rules())
    schema["allOf"] = [_counted()]
    if model is ItemInput:  # not for what extends it (api.models.Item)
        schema["examples"] = [EXAMPLE]


class ItemInput(ApiModel):
    """An item of the partner's inventory. Its `kind` maps onto the public listing's:
    rental is equipment for hire, sale and free are material (free has no price)."""

    model_config = ConfigDict(json_schema_extra=_item_schema)

    external_id: ExternalId | None = Field(
        default=None,
        description=(
            "Required in a batch. In PUT /inventory/{external_id} it may be left out; if "
            "given, it must equal the one in the path."
        ),
    )
    kind: ItemKind = Field(
        description=(
            "A rental cannot later become a sale or free item, nor the other way round (422): "
            "withdraw it and send the new one under a new external_id."
        )
    )
    title: Annotated[str, Text(3, 120)]
    description: Annotated[str, Text(0, 5000, multiline=True)] = ""
    language: Language = Language.FI
    category: Annotated[
        str,
        Pattern(
            CATEGORY_PATTERN,
            NO_SUCH_CATEGORY,
            "The slug of a product type from GET /categories (an equipment type for rentals, a "
            "material type otherwise); another is refused (422).",
            max_length=64,
        ),
    ]
    condition: Condition | None = None
    unit: Unit | None = Field(default=None, description="The category's default unit if left out.")
    quantity: Annotated[Decimal, DecimalText(QUANTITY, QUANTITY_RULE)]
    price: Prices | None = Field(
        default=None,
        validate_default=True,
        description=(
            "Rentals: per day and/or week (a list of two for both); sales: one, per unit or "
            "lot (required); free: none."
        ),
    )
    min_rental_days: Annotated[int, WholeNumber(1, 365)] | None = Field(
        default=None, description="Rentals only."
    )
    deposit: Amount | None = Field(default=None, description="Rentals only; euros.")
    location: Location
    available_from: Annotated[date, Day()] | None = Field(
        default=None, description="Today if left out; at most 730 days ahead."
    )
    available_until: Annotated[date, Day()] | None = Field(
        default=None, description="Not before available_from, nor in the past."
    )
    photos: Annotated[list[Annotated[str, _PhotoUrl()]], Field(max_length=MAX_PHOTOS)] = Field(
        default_factory=list,
        description="Public URLs of JPEG, PNG or WebP photos, fetched when the list changes.",
    )
    attributes: Annotated[
        dict[AttributeName, Annotated[Any, _AttributeValue()]],
        Field(max_length=MAX_ATTRIBUTES, json_schema_extra=_attributes_schema),
    ] = Field(default_factory=dict)

    @field_validator("price")
    @classmethod
    def _prices_of_the_kind(cls, price: Any, info: ValidationInfo) -> Any:
        kind, listed = _kind_of(info), price if isinstance(price, list) else [price]
        if kind == ItemKind.SALE and price is None:
            raise fail(_l("An item for sale needs a price."))
        if kind == ItemKind.FREE and price is not None:
            raise fail(_l("A free item has no price; leave it out or make the item a sale."))
        if kind == ItemKind.SALE and len(listed) != 1:
            raise fail(_l("An item for sale has one price, per unit or per lot."))
        if price is not None and len({entry.per for entry in listed}) != len(listed):
            raise fail(_l("Give at most one price per day, week, unit or lot."))
        return price

    @field_validator("min_rental_days", "deposit")
    @classmethod
    def _rentals_only(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _kind_of(info)
        if value is not None and kind is not None and kind != ItemKind.RENTAL:
            raise fail(_l("Only rental items have a minimum hire and a deposit."))
        return value

    @field_validator("quantity")
    @classmethod
    def _counted_whole(cls, quantity: Decimal, info: ValidationInfo) -> Decimal:
        unit = info.data.get("unit")
        if unit is not None and unit.whole_only and quantity != quantity.to_integral_value():
            raise fail(_l("Pieces and sets are counted in whole numbers."))
        return quantity

    @field_validator("available_until")
    @classmethod
    def _after_the_start(cls, until: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("available_from")
        if until is not None and start is not None and until < start:
            raise fail(_l("The end date cannot be before the start date."))
        return until

    @field_validator("photos")
    @classmethod
    def _each_once(cls, photos: list[str]) -> list[str]:
        return list(dict.fromkeys(photos))
