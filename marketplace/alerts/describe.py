"""A saved search in words, in the reader's language: "“tiiliä” · Bricks · near 02650 Kera"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from marketplace.extensions import db
from marketplace.models import Organisation
from marketplace.search.geo import POSTAL_CODES
from marketplace.search.query import SearchQuery, parse_query
from marketplace.search.services import category_by_slug
from marketplace.web.labels import label

NAME_LENGTH = 120


def _place(code: str) -> str:
    place = POSTAL_CODES.get(code)
    if place is None:
        return code
    swedish = str(get_locale() or "fi") == "sv"
    return f"{code} {place.name_sv if swedish else place.name}"


def _what(query: SearchQuery) -> list[str]:
    parts = []
    if query.text:
        parts.append(f"“{query.text}”")
    category = category_by_slug(query.category) if query.category else None
    if category is not None:
        parts.append(category.name(str(get_locale() or "fi")))
    if query.kind is not None:
        parts.append(label(query.kind))
    if query.condition is not None:
        parts.append(label(query.condition))
    return parts


def _where(query: SearchQuery) -> list[str]:
    parts = []
    if query.organisation is not None:
        organisation = db.session.get(Organisation, query.organisation)
        if organisation is not None:
            parts.append(_("from %(name)s", name=organisation.name))
    if query.free:
        parts.append(_("free only"))
    if query.postal_code:
        parts.append(_("near %(place)s", place=_place(query.postal_code)))
    elif query.near is not None:
        parts.append(_("near a point on the map"))
    if query.radius_km:
        parts.append(_("within %(km)s km", km=format(query.radius_km, "g")))
    return parts


def summary(args: Mapping[str, Any]) -> list[str]:
    query, _problems = parse_query(args)
    return _what(query) + _where(query) or [_("Everything that is listed")]


def default_name(args: Mapping[str, Any]) -> str:
    return " · ".join(summary(args))[:NAME_LENGTH]
