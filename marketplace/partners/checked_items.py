"""Items that passed every check: `parse_item` reads a partner's item (from the API or a
feed) with `ItemInput` and gives a `CheckedItem` in the units listings use (cents), or
`ItemRejected` with every problem found, each named by its field the way the partner wrote it
(`price.amount`, `photos[2]`; a batch prefixes `items[3].`). Messages are in the reader's
language, which for the API is its Accept-Language, else English (marketplace.web.i18n).

A checked item carries a digest of its normalised content, so that an item sent again
unchanged is recognised without touching its listing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from marketplace.errors import FieldProblem, MarketplaceError
from marketplace.models import Condition, Language, Unit
from marketplace.partners.item_kinds import ItemKind
from marketplace.partners.items import (
    BAD_EXTERNAL_ID,
    EXTERNAL_ID_PATTERN,
    MAX_ATTRIBUTES,
    MAX_PHOTOS,
    PRICE_BRANCHES,
    RESERVED_IDS,
    ItemInput,
)
from marketplace.partners.model_errors import REQUIRED, Messages, problems_of
from marketplace.partners.model_types import Pattern

# Bumped whenever the mapping of items onto listings changes, so every item is applied again.
MAPPING_VERSION = 1
PRICE_SHAPE = _l("Give a price object, or a list of at most two (per day and week).")
PHOTO_LIST = _l("Give a list of at most %(count)d photo URLs.", count=MAX_PHOTOS)
ATTRIBUTES = _l("Give an object of at most %(count)d attributes.", count=MAX_ATTRIBUTES)
ITEM_MESSAGES: Messages = {
    ("location", "missing"): _l("Say where the item is picked up: at least the site's name."),
    ("price", "model_type"): PRICE_SHAPE,
    ("price", "too_long"): PRICE_SHAPE,
    ("price", "too_short"): PRICE_SHAPE,
    ("photos", "list_type"): PHOTO_LIST,
    ("photos", "too_long"): PHOTO_LIST,
    ("attributes", "dict_type"): ATTRIBUTES,
    ("attributes", "too_long"): ATTRIBUTES,
    ("*", "extra_forbidden"): _l("This field is not part of an item; check its spelling."),
}


class ItemRejected(MarketplaceError):
    """An item, or a whole request body, with one or more invalid fields."""

    status = 422

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(problems[0].message, field=problems[0].field)
        self._problems = problems

    @property
    def problems(self) -> list[FieldProblem]:
        return self._problems


@dataclass(frozen=True)
class PriceCents:
    per: str
    cents: int


@dataclass(frozen=True)
class Place:
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class CheckedItem:
    """An item that passed every check, in the units listings use (cents)."""

    external_id: str
    kind: ItemKind
    title: str
    description: str
    language: Language
    category: str
    condition: Condition | None
    quantity: Decimal
    unit: Unit | None
    prices: tuple[PriceCents, ...]
    min_rental_days: int | None
    deposit_cents: int | None
    location: Place
    available_from: date | None
    available_until: date | None
    photos: tuple[str, ...]
    attributes: dict[str, Any] = field(default_factory=dict)
    digest: str = ""

    def price(self, per: str) -> int | None:
        return next((price.cents for price in self.prices if price.per == per), None)


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def check_external_id(value: Any, name: str = "external_id") -> str:
    try:
        return Pattern(EXTERNAL_ID_PATTERN, BAD_EXTERNAL_ID, refused=RESERVED_IDS).check(value)
    except PydanticCustomError:
        raise ItemRejected([FieldProblem(name, str(BAD_EXTERNAL_ID))]) from None


def _peek_kind(raw: Any) -> ItemKind | None:
    kind = raw.get("kind") if isinstance(raw, dict) else None
    return ItemKind(kind) if kind in tuple(ItemKind) else None


def parse_item(raw: Any, prefix: str = "") -> CheckedItem:
    """The checked item, or ItemRejected with every problem found."""
    problems: list[FieldProblem] = []
    model: ItemInput | None = None
    try:
        model = ItemInput.model_validate(raw, context={"kind": _peek_kind(raw)})
    except ValidationError as error:
        found = problems_of(error, prefix, ITEM_MESSAGES, PRICE_BRANCHES)
        problems += [FieldProblem(p.field or "body", p.message) for p in found]
    if isinstance(raw, dict) and raw.get("external_id") is None:
        problems.append(FieldProblem(f"{prefix}external_id", str(REQUIRED)))
    if problems or model is None:
        raise ItemRejected(problems)
    assert model.external_id is not None
    return _with_digest(checked(model, model.external_id))


def checked(model: ItemInput, external_id: str) -> CheckedItem:
    prices = model.price if isinstance(model.price, list) else [model.price]
    location = model.location
    return CheckedItem(
        external_id=external_id,
        kind=model.kind,
        title=model.title,
        description=model.description,
        language=model.language,
        category=model.category,
        condition=model.condition,
        quantity=model.quantity,
        unit=model.unit,
        prices=tuple(PriceCents(p.per.value, cents(p.amount)) for p in prices if p is not None),
        min_rental_days=model.min_rental_days,
        deposit_cents=None if model.deposit is None else cents(model.deposit),
        location=Place(
            location.name,
            location.address,
            location.postal_code,
            location.city,
            location.lat,
            location.lon,
        ),
        available_from=model.available_from,
        available_until=model.available_until,
        photos=tuple(model.photos),
        attributes=dict(model.attributes),
    )


def _with_digest(item: CheckedItem) -> CheckedItem:
    canonical = {
        "version": MAPPING_VERSION,
        **{
            name: getattr(item, name)
            for name in (
                "kind",
                "title",
                "description",
                "language",
                "category",
                "condition",
                "unit",
                "min_rental_days",
                "deposit_cents",
                "photos",
                "attributes",
            )
        },
        "quantity": format(item.quantity.normalize(), "f"),
        "prices": sorted((price.per, price.cents) for price in item.prices),
        "location": vars(item.location),
        "available_from": item.available_from.isoformat() if item.available_from else None,
        "available_until": item.available_until.isoformat() if item.available_until else None,
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return replace(item, digest=hashlib.sha256(text.encode()).hexdigest())
