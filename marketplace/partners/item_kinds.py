"""What an item's kind decides: the prices it takes (a rental per day or week, a sale per
unit or lot, a free item none), and that only rentals have a minimum hire and a deposit. The
validators of `items` apply these rules; `kind_rules` states them as JSON Schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ItemKind(StrEnum):
    RENTAL = "rental"
    SALE = "sale"
    FREE = "free"


class PricePer(StrEnum):
    DAY = "day"
    WEEK = "week"
    UNIT = "unit"
    LOT = "lot"


PER: dict[ItemKind, tuple[PricePer, ...]] = {
    ItemKind.RENTAL: (PricePer.DAY, PricePer.WEEK),
    ItemKind.SALE: (PricePer.UNIT, PricePer.LOT),
    ItemKind.FREE: (),
}


NULL = {"type": "null"}


def kind_rules() -> dict[str, Any]:
    """What `kind` decides, as schema: the prices each kind takes, and that only rentals
    have a minimum hire and a deposit."""

    def price(kind: ItemKind) -> dict[str, Any]:
        pers = {"properties": {"per": {"enum": [per.value for per in PER[kind]]}}}
        return {"type": "object", **pers}

    def twice(per: PricePer) -> dict[str, Any]:
        return {"minItems": 2, "items": {"properties": {"per": {"const": per.value}}}}

    rental = {
        "type": "array",
        "items": price(ItemKind.RENTAL),
        "not": {"anyOf": [twice(PricePer.DAY), twice(PricePer.WEEK)]},
    }
    sale = {
        "anyOf": [
            price(ItemKind.SALE),
            {"type": "array", "maxItems": 1, "items": price(ItemKind.SALE)},
        ]
    }
    only_rentals = {"min_rental_days": NULL, "deposit": NULL}

    def kind_is(kind: ItemKind) -> dict[str, Any]:
        return {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]}

    return {
        "if": kind_is(ItemKind.RENTAL),
        "then": {
            "properties": {"price": {"anyOf": [price(ItemKind.RENTAL), rental, {"type": "null"}]}}
        },
        "else": {
            "properties": only_rentals,
            "if": kind_is(ItemKind.SALE),
            "then": {"required": ["price"], "properties": {"price": sale}},
            "else": {"properties": {"price": NULL}},
        },
    }
