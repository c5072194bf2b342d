"""Inventory items as partners send them (DESIGN §6), checked field by field.

Every problem of an item is reported at once, each naming its field the way the partner wrote
it (`price.amount`, `photos[2]`; a batch prefixes `items[3].`). Messages are in the reader's
language, which for the API is its Accept-Language, else English (marketplace.web.i18n). A checked
item carries a digest of its
normalised content, so that an item sent again unchanged is recognised without touching its
listing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from marketplace.core.inputs import (
    Limits,
    NumberProblem,
    check_decimal,
    normalise_newlines,
    text_problem,
)
from marketplace.errors import FieldProblem, MarketplaceError
from marketplace.models import Condition, Language, Unit
from marketplace.partners.fetching import FetchError, check_url

EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:@+-]{0,99}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
POSTAL_CODE = re.compile(r"\d{5}")
DECIMAL = re.compile(r"\d{1,9}(\.\d+)?")
MAX_QUANTITY = Decimal(1_000_000)
REQUIRED = _l("This field is required.")
MAX_AMOUNT = Decimal(100_000)
MAX_PHOTOS = 10
MAX_ATTRIBUTES = 50
# Bumped whenever the mapping of items onto listings changes, so every item is applied again.
MAPPING_VERSION = 1

FIELDS = {
    "external_id",
    "kind",
    "title",
    "description",
    "language",
    "category",
    "condition",
    "quantity",
    "unit",
    "price",
    "min_rental_days",
    "deposit",
    "location",
    "available_from",
    "available_until",
    "photos",
    "attributes",
}
LOCATION_FIELDS = {"name", "address", "postal_code", "city", "lat", "lon"}
PRICE_FIELDS = {"amount", "currency", "per"}
PER = {"rental": ("day", "week"), "sale": ("unit", "lot"), "free": ()}

Choice = TypeVar("Choice", bound=StrEnum)


class ItemKind(StrEnum):
    RENTAL = "rental"
    SALE = "sale"
    FREE = "free"


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
class Price:
    per: str
    cents: int


@dataclass(frozen=True)
class Location:
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Item:
    external_id: str
    kind: ItemKind
    title: str
    description: str
    language: Language
    category: str
    condition: Condition | None
    quantity: Decimal
    unit: Unit | None
    prices: tuple[Price, ...]
    min_rental_days: int | None
    deposit_cents: int | None
    location: Location
    available_from: date | None
    available_until: date | None
    photos: tuple[str, ...]
    attributes: dict[str, Any] = field(default_factory=dict)
    digest: str = ""

    def price(self, per: str) -> int | None:
        return next((price.cents for price in self.prices if price.per == per), None)


class _Reader:
    """Reads the fields of one JSON object, collecting problems instead of stopping."""

    def __init__(self, raw: dict[str, Any], prefix: str, problems: list[FieldProblem]) -> None:
        self.raw = raw
        self.prefix = prefix
        self.problems = problems

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str, message: Any) -> None:
        self.problems.append(FieldProblem(self.name(key), message))

    def present(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def text(
        self,
        key: str,
        limit: int,
        *,
        required: bool = False,
        least: int = 0,
        multiline: bool = False,
    ) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.fail(key, REQUIRED)
            return None
        if not isinstance(value, str):
            self.fail(key, _l("Give a string."))
            return None
        value = (normalise_newlines(value) if multiline else value).strip()
        if not least <= len(value) <= limit:
            self.fail(key, _l("Give %(least)d to %(limit)d characters.", least=least, limit=limit))
            return None
        return value if self.safe_text(key, value, multiline) else None

    def safe_text(self, key: str, value: str, multiline: bool = False) -> bool:
        """The text rules of every form (marketplace.core.inputs): no control, bidirectional or
        invisible characters; line breaks only where the text has lines."""
        problem = text_problem(value, multiline=multiline)
        if problem is None:
            return True
        if problem.line_break:
            self.fail(key, _l("Give this on one line, without line breaks."))
        else:
            message = _l(
                "Remove the character %(code)s at position %(position)d: control, "
                "bidirectional and invisible characters are not accepted.",
                code=problem.code,
                position=problem.position,
            )
            self.fail(key, message)
        return False

    def choice(self, key: str, choices: type[Choice], *, required: bool = False) -> Choice | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.fail(key, REQUIRED)
            return None
        try:
            return choices(value)
        except ValueError:
            allowed = ", ".join(member.value for member in choices)
            self.fail(key, _l("Choose one of: %(allowed)s.", allowed=allowed))
            return None

    def decimal(self, key: str, places: int, most: Decimal, *, required: bool = False) -> Any:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.fail(key, REQUIRED)
            return None
        number = _decimal(value)
        if number is None:
            self.fail(key, _l('Give a decimal number as a string, like "12.50".'))
            return None
        try:
            return check_decimal(number, Limits(Decimal(0), most, places))
        except NumberProblem as problem:
            if problem.problem == "places":
                self.fail(key, _l("Use at most %(places)d decimals.", places=places))
            else:
                self.fail(key, _l("Give at most %(most)s.", most=most))
        return None

    def integer(self, key: str, least: int, most: int) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            self.fail(
                key, _l("Give a whole number from %(low)d to %(high)d.", low=least, high=most)
            )
            return None
        return value

    def number(self, key: str, least: float, most: float) -> float | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            # An int is compared as it is: math.isfinite(10**400) raises OverflowError.
            or (isinstance(value, float) and not math.isfinite(value))
            or not least <= value <= most
        ):
            self.fail(key, _l("Give a number from %(low)s to %(high)s.", low=least, high=most))
            return None
        return float(value)

    def day(self, key: str) -> date | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, str) and DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(key, _l("Give a date as YYYY-MM-DD."))
        return None

    def unknown(self, allowed: set[str]) -> None:
        for key in sorted(set(self.raw) - allowed):
            self.fail(key, _l("This field is not part of an item; check its spelling."))


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if (isinstance(value, float) and not math.isfinite(value)) or not 0 <= value < 10**9:
            return None
        value = str(value)
    if not isinstance(value, str) or not DECIMAL.fullmatch(value.strip()):
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return None


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def _object(value: Any, name: str, problems: list[FieldProblem]) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        problems.append(FieldProblem(name, _l("Give an object.")))
        return None
    return value


def _prices(raw: Any, kind: ItemKind | None, reader: _Reader) -> tuple[Price, ...]:
    if raw is None:
        if kind in (ItemKind.SALE,):
            reader.fail("price", _l("An item for sale needs a price."))
        return ()
    if kind == ItemKind.FREE:
        message = _l("A free item has no price; leave it out or make the item a sale.")
        reader.fail("price", message)
        return ()
    listed = [("price", raw)] if isinstance(raw, dict) else None
    if isinstance(raw, list) and 1 <= len(raw) <= 2:
        listed = [(f"price[{n}]", entry) for n, entry in enumerate(raw)]
    if listed is None:
        message = _l("Give a price object, or a list of at most two (per day and week).")
        reader.fail("price", message)
        return ()
    prices = [_price(name, entry, kind, reader) for name, entry in listed]
    found = tuple(price for price in prices if price is not None)
    if len({price.per for price in found}) != len(found):
        reader.fail("price", _l("Give at most one price per day, week, unit or lot."))
    if kind == ItemKind.SALE and len(listed) != 1:
        reader.fail("price", _l("An item for sale has one price, per unit or per lot."))
    return found


def _price(name: str, raw: Any, kind: ItemKind | None, parent: _Reader) -> Price | None:
    entry = _object(raw, parent.name(name), parent.problems)
    if entry is None:
        return None
    reader = _Reader(entry, parent.name(name) + ".", parent.problems)
    reader.unknown(PRICE_FIELDS)
    amount = reader.decimal("amount", 2, MAX_AMOUNT, required=True)
    currency = entry.get("currency", "EUR")
    if currency != "EUR":
        reader.fail("currency", _l("Prices are in euros: give EUR."))
    per = entry.get("per")
    allowed = PER.get(kind.value if kind else "", ("day", "week", "unit", "lot"))
    if per not in allowed:
        if allowed:
            reader.fail("per", _l("Choose one of: %(allowed)s.", allowed=", ".join(allowed)))
        else:
            reader.fail("per", _l("This kind of item has no price."))
        return None
    return None if amount is None else Price(str(per), cents(amount))


def _location(raw: Any, parent: _Reader) -> Location | None:
    if raw is None:
        message = _l("Say where the item is picked up: at least the site's name.")
        parent.fail("location", message)
        return None
    entry = _object(raw, parent.name("location"), parent.problems)
    if entry is None:
        return None
    reader = _Reader(entry, parent.name("location."), parent.problems)
    reader.unknown(LOCATION_FIELDS)
    name = reader.text("name", 120, required=True, least=1)
    postal_code = reader.text("postal_code", 5)
    if postal_code is not None and not POSTAL_CODE.fullmatch(postal_code):
        reader.fail("postal_code", _l("A Finnish postal code has five digits, like 02650."))
    location = Location(
        name=name or "",
        address=reader.text("address", 200, least=1),
        postal_code=postal_code,
        city=reader.text("city", 80, least=1),
        lat=reader.number("lat", -90, 90),
        lon=reader.number("lon", -180, 180),
    )
    return location if name else None


def _photos(raw: Any, reader: _Reader) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_PHOTOS:
        reader.fail("photos", _l("Give a list of at most %(count)d photo URLs.", count=MAX_PHOTOS))
        return ()
    urls: list[str] = []
    for number, url in enumerate(raw):
        if not isinstance(url, str) or len(url) > 2000:
            reader.fail(f"photos[{number}]", _l("Give the photo's URL as a string."))
            continue
        try:
            check_url(url)
        except FetchError as error:
            reader.fail(f"photos[{number}]", str(error))
            continue
        if url.strip() not in urls:
            urls.append(url.strip())
    return tuple(urls)


def _attributes(raw: Any, reader: _Reader) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > MAX_ATTRIBUTES:
        message = _l("Give an object of at most %(count)d attributes.", count=MAX_ATTRIBUTES)
        reader.fail("attributes", message)
        return {}
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        if not 1 <= len(key) <= 64:
            reader.fail("attributes", _l("Attribute names have 1 to 64 characters."))
        elif not reader.safe_text("attributes", key) or (
            isinstance(value, str) and not reader.safe_text(f"attributes.{key}", value)
        ):
            continue
        elif isinstance(value, str) and len(value) > 500:
            reader.fail(f"attributes.{key}", _l("Keep attribute values under 500 characters."))
        elif isinstance(value, float) and not math.isfinite(value):
            reader.fail(f"attributes.{key}", _l("Give a finite number."))
        elif value is not None and not isinstance(value, str | int | float | bool):
            reader.fail(f"attributes.{key}", _l("Give a string, a number, true or false."))
        else:
            kept[key] = value
    return kept


def _kind_rules(item: dict[str, Any], kind: ItemKind | None, reader: _Reader) -> None:
    if kind == ItemKind.RENTAL:
        return
    for key in ("min_rental_days", "deposit"):
        if item.get(key) is not None:
            reader.fail(key, _l("Only rental items have a minimum hire and a deposit."))


def check_external_id(value: Any, name: str = "external_id") -> str:
    if not isinstance(value, str) or not EXTERNAL_ID.fullmatch(value):
        raise ItemRejected(
            [
                FieldProblem(
                    name,
                    _l(
                        "Give an id of 1 to 100 letters, digits and . _ ~ : @ + -, "
                        "starting with a letter or digit."
                    ),
                )
            ]
        )
    return value


def parse_item(raw: Any, prefix: str = "", external_id: str | None = None) -> Item:
    """The checked item, or ItemRejected with every problem found. `external_id` is the one
    from the URL of a PUT, which the body may repeat but not contradict."""
    problems: list[FieldProblem] = []
    body = _object(raw, prefix.rstrip(".") or "body", problems)
    if body is None:
        raise ItemRejected(problems)
    reader = _Reader(body, prefix, problems)
    reader.unknown(FIELDS)
    given = body.get("external_id")
    if external_id is not None and given is not None and given != external_id:
        message = _l("The external id in the body differs from the one in the URL.")
        reader.fail("external_id", message)
    try:
        external_id = check_external_id(external_id or given, reader.name("external_id"))
    except ItemRejected as error:
        problems.extend(error.problems)
    kind = reader.choice("kind", ItemKind, required=True)
    _kind_rules(body, kind, reader)
    quantity = reader.decimal("quantity", 3, MAX_QUANTITY, required=True)
    if quantity is not None and quantity <= 0:
        reader.fail("quantity", _l("The quantity must be more than zero."))
    item = Item(
        external_id=external_id or "",
        kind=kind or ItemKind.FREE,
        title=reader.text("title", 120, required=True, least=3) or "",
        description=reader.text("description", 5000, multiline=True) or "",
        language=reader.choice("language", Language) or Language.FI,
        category=reader.text("category", 64, required=True, least=1) or "",
        condition=reader.choice("condition", Condition),
        quantity=quantity or Decimal(0),
        unit=reader.choice("unit", Unit),
        prices=_prices(body.get("price"), kind, reader),
        min_rental_days=reader.integer("min_rental_days", 1, 365),
        deposit_cents=_deposit(reader),
        location=_location(body.get("location"), reader) or Location(""),
        available_from=reader.day("available_from"),
        available_until=reader.day("available_until"),
        photos=_photos(body.get("photos"), reader),
        attributes=_attributes(body.get("attributes"), reader),
    )
    _check_dates(item, reader)
    if problems:
        raise ItemRejected(problems)
    return _with_digest(item)


def _deposit(reader: _Reader) -> int | None:
    amount = reader.decimal("deposit", 2, MAX_AMOUNT)
    return None if amount is None else cents(amount)


def _check_dates(item: Item, reader: _Reader) -> None:
    start, end = item.available_from, item.available_until
    if start is not None and end is not None and end < start:
        reader.fail("available_until", _l("The end date cannot be before the start date."))


def _with_digest(item: Item) -> Item:
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
