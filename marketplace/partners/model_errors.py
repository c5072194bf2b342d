"""Errors of the API's models as the product reports them: each named by its field the way
the request wrote it (`items[3].price.amount`), with a message of the product's in the
reader's language. Rules raise `fail(message)`; Pydantic's own errors (a missing field, a
wrong type, an unknown value) get messages of the same kind from `standard_message`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from marketplace.errors import FieldProblem

REQUIRED = _l("This field is required.")
PRODUCT_ERROR = "product"


def fail(message: Any) -> PydanticCustomError:
    """The error for a validator to raise, with a message of the product's."""
    return PydanticCustomError(PRODUCT_ERROR, "{message}", {"message": str(message)})


def field_path(location: Iterable[int | str]) -> str | None:
    """Pydantic's location of an error as partners write fields: `price[0].amount`."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or None


def _choices(context: Mapping[str, Any]) -> str:
    expected = str(context.get("expected", ""))
    return ", ".join(part.strip("' ") for part in re.split(r",| or ", expected) if part.strip())


def standard_message(error: Mapping[str, Any]) -> Any:
    """The product's message for one of Pydantic's own errors."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind == PRODUCT_ERROR:
        return context["message"]
    if kind == "missing":
        return REQUIRED
    if kind in ("enum", "literal_error"):
        return _l("Choose one of: %(allowed)s.", allowed=_choices(context))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _l("Give an object.")
    if kind in ("list_type", "too_short", "too_long"):
        return _l("Give a list of at most %(most)s entries.", most=context.get("max_length", ""))
    if kind.startswith("string"):
        return _l("Give a string.")
    if kind.startswith("bool"):
        return _l("Give true or false.")
    return _l("This value is not valid here.")


Messages = Mapping[tuple[str | None, str], Any]


def problems_of(
    error: ValidationError,
    prefix: str = "",
    messages: Messages | None = None,
    branches: Iterable[str] = (),
) -> list[FieldProblem]:
    """Every error, named by its field (after `prefix`, like `items[3].`), with the
    product's message. `messages` overrides one for a (field, error type), or for any type
    with "*". `branches` are the names Pydantic adds to a location for the branches of a
    union, which partners never wrote."""
    overrides = messages or {}
    hidden = set(branches)
    found: list[FieldProblem] = []
    for detail in error.errors(include_url=False):
        location = [part for part in detail["loc"] if part not in hidden]
        if location[-1:] == ["[key]"]:  # a dictionary's key: the dictionary is at fault
            location = location[:-2]
        name, kind = field_path(location), detail["type"]
        message = overrides.get((name, kind)) or overrides.get((name, "*"))
        message = message or overrides.get(("*", kind))
        found.append(FieldProblem(prefixed(prefix, name), str(message or standard_message(detail))))
    return found


def prefixed(prefix: str, name: str | None) -> str | None:
    """`name` inside `prefix` ("items[3]."), or the prefix itself for the whole."""
    if not prefix:
        return name
    if name is None:
        return prefix.rstrip(".")
    return f"{prefix.rstrip('.')}{name}" if name.startswith("[") else f"{prefix}{name}"
