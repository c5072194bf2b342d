"""Query parameters the partner endpoints share: `updated_since`, `limit` and `cursor`.

Lists are ordered by (updated_at, id); the cursor carries the last pair a page ended on, so
paging neither skips nor repeats a row however many change in between (a row that changes
moves to the end, where a sync loop meets it again).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from marketplace.api.access import ApiProblem
from marketplace.core.inputs import whole_number

PAGING = ("updated_since", "cursor", "limit")
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclass(frozen=True)
class Position:
    updated_at: datetime
    id: int


def _moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        message = _l("Give a date and time with a zone, like 2026-05-01T08:00:00Z.")
        raise ApiProblem(422, message, name)
    return moment.astimezone(UTC)


def updated_since() -> datetime | None:
    value = request.args.get("updated_since")
    return None if value is None else _moment(value, "updated_since")


def limit() -> int:
    value = request.args.get("limit")
    if value is None:
        return DEFAULT_LIMIT
    try:
        return whole_number(value, 1, MAX_LIMIT)
    except ValueError:
        message = _l("Give a whole number from %(low)d to %(high)d.", low=1, high=MAX_LIMIT)
        raise ApiProblem(422, message, "limit") from None


def cursor() -> Position | None:
    value = request.args.get("cursor")
    if value is None:
        return None
    try:
        moment, row_id = json.loads(base64.urlsafe_b64decode(value.encode() + b"=="))
        return Position(_moment(str(moment), "cursor"), whole_number(str(row_id)))
    except (ValueError, TypeError, binascii.Error, UnicodeError, ApiProblem):
        raise ApiProblem(422, _l("This cursor was not made by this API."), "cursor") from None


def page(rows: list[Any], size: int, position: Any) -> tuple[list[Any], str | None]:
    """The first `size` of `rows` (fetched with one more), and the cursor after them if more
    follow."""
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last: Position = position(rows[-1])
    text = json.dumps([last.updated_at.isoformat(), last.id])
    return rows, base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
