"""Reading the category tree, and the operator's JSON import and export.

An import row states a category's whole state, in the shape `category_as_dict` writes: a missing
optional field means null (false for `hazardous`, true for `active`), so that exporting, editing
and importing a file gives exactly what the file says.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import sqlalchemy as sa

from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Category, CategoryKind, Unit

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
EWC_CODE = re.compile(r"\d{2} \d{2} \d{2}")
LANGUAGES = ("fi", "sv", "en")
REQUIRED = ("slug", "family", "kind", "names", "default_unit")
OPTIONAL = (
    "default_mass_kg",
    "ewc_code",
    "hazardous",
    "emission_factor",
    "emission_factor_source",
    "active",
)
# Upper bounds keep values inside the scaled BIGINT columns and catch slips of the decimal point:
# no hired machine weighs 1000 t, and no material emits 1000 kg CO2e per kg.
MAX_MASS_KG = Decimal(1_000_000)
MAX_FACTOR = Decimal(1000)
POSITION_STEP = 10

Choice = TypeVar("Choice", CategoryKind, Unit)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(frozen=True)
class CategoryRow:
    """One validated import row."""

    slug: str
    family: str | None
    kind: CategoryKind
    names: tuple[str, str, str]
    default_unit: Unit
    default_mass_kg: Decimal | None
    ewc_code: str | None
    hazardous: bool
    emission_factor: Decimal | None
    emission_factor_source: str | None
    active: bool


def family_tree(include_inactive: bool = False) -> list[tuple[Category, list[Category]]]:
    """Families in position order, each with its product types in position order."""
    query = sa.select(Category).order_by(Category.position, Category.slug)
    if not include_inactive:
        query = query.where(Category.active.is_(True))
    types_of: dict[int, list[Category]] = defaultdict(list)
    families: list[Category] = []
    # One query for both levels: the tree is read on every listing page.
    for category in db.session.scalars(query):
        if category.parent_id is None:
            families.append(category)
        else:
            types_of[category.parent_id].append(category)
    return [(family, types_of[family.id]) for family in families]


def find_by_slug(slug: str) -> Category | None:
    return db.session.scalar(sa.select(Category).where(Category.slug == slug))


def category_as_dict(category: Category) -> dict[str, Any]:
    return {
        "slug": category.slug,
        "family": category.parent.slug if category.parent else None,
        "kind": category.kind.value,
        "names": {"fi": category.name_fi, "sv": category.name_sv, "en": category.name_en},
        "default_unit": category.default_unit.value,
        "default_mass_kg": _decimal_text(category.default_mass_kg),
        "ewc_code": category.ewc_code,
        "hazardous": category.hazardous,
        "emission_factor": _decimal_text(category.emission_factor),
        "emission_factor_source": category.emission_factor_source,
        "active": category.active,
    }


def _decimal_text(value: Decimal | None) -> str | None:
    # Strings, not JSON numbers: most JSON readers parse numbers into binary floats.
    return None if value is None else format(value, "f")


def export_categories() -> list[dict[str, Any]]:
    """Every category, active or not: families first, then each family's types."""
    tree = family_tree(include_inactive=True)
    families = [category_as_dict(family) for family, _types in tree]
    types = [category_as_dict(category) for _family, types in tree for category in types]
    return families + types


def import_categories(rows: list[dict[str, Any]]) -> ImportSummary:
    """Create or update categories by slug, all in one transaction: any invalid row raises
    ValidationError naming it, and nothing changes."""
    existing = {category.slug: category for category in db.session.scalars(sa.select(Category))}
    parsed = _validate_rows(rows, existing)
    try:
        summary = _apply(parsed, existing)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _validate_rows(rows: Any, existing: dict[str, Category]) -> list[CategoryRow]:
    if not isinstance(rows, list):
        raise ValidationError("expected a list of category rows", field="rows")
    with_types = {c.parent.slug for c in existing.values() if c.parent is not None}
    # The state after the rows so far: (family slug, kind) by slug.
    state = {slug: (_family_slug(c), c.kind) for slug, c in existing.items()}
    seen: set[str] = set()
    parsed: list[CategoryRow] = []
    for index, raw in enumerate(rows):
        where = f"rows[{index}]"
        row = _parse_row(raw, where)
        _check_place(row, where, state, seen, with_types, existing)
        seen.add(row.slug)
        state[row.slug] = (row.family, row.kind)
        if row.family is not None:
            with_types.add(row.family)
        parsed.append(row)
    return parsed


def _family_slug(category: Category) -> str | None:
    return category.parent.slug if category.parent else None


def _check_place(
    row: CategoryRow,
    where: str,
    state: dict[str, tuple[str | None, CategoryKind]],
    seen: set[str],
    with_types: set[str],
    existing: dict[str, Category],
) -> None:
    """The row's place in the two-level tree, given the database and the rows before it."""
    if row.slug in seen:
        raise ValidationError(f"{row.slug} appears more than once", field=f"{where}.slug")
    if row.family is None:
        current = existing.get(row.slug)
        if row.slug in with_types and current is not None and current.kind != row.kind:
            raise ValidationError(
                f"{row.slug} has product types; its kind cannot change", field=f"{where}.kind"
            )
        return
    if row.slug in with_types:
        raise ValidationError(
            f"{row.slug} has product types, so it cannot become one", field=f"{where}.family"
        )
    family = state.get(row.family)
    if family is None or row.family == row.slug:
        raise ValidationError(
            f"unknown family {row.family}; define it in the database or in an earlier row",
            field=f"{where}.family",
        )
    family_parent, family_kind = family
    if family_parent is not None:
        raise ValidationError(
            f"{row.family} is a product type, not a family", field=f"{where}.family"
        )
    if family_kind != row.kind:
        raise ValidationError(
            f"kind {row.kind} differs from its family's kind {family_kind}", field=f"{where}.kind"
        )


def _parse_row(raw: Any, where: str) -> CategoryRow:
    if not isinstance(raw, dict):
        raise ValidationError("expected an object", field=where)
    for key in REQUIRED:
        if key not in raw:
            raise ValidationError("missing", field=f"{where}.{key}")
    for key in raw:
        # An unknown key is most likely a typo, which would otherwise silently write null.
        if key not in REQUIRED and key not in OPTIONAL:
            raise ValidationError("unknown field", field=f"{where}.{key}")
    factor = _decimal(raw.get("emission_factor"), 4, MAX_FACTOR, f"{where}.emission_factor")
    source = _optional_text(raw.get("emission_factor_source"), 200, where, "emission_factor_source")
    if factor is not None and source is None:
        raise ValidationError(
            "name the source and version of the emission factor",
            field=f"{where}.emission_factor_source",
        )
    return CategoryRow(
        slug=_slug(raw["slug"], f"{where}.slug"),
        family=None if raw["family"] is None else _slug(raw["family"], f"{where}.family"),
        kind=_choice(CategoryKind, raw["kind"], f"{where}.kind"),
        names=_names(raw["names"], f"{where}.names"),
        default_unit=_choice(Unit, raw["default_unit"], f"{where}.default_unit"),
        default_mass_kg=_decimal(
            raw.get("default_mass_kg"), 3, MAX_MASS_KG, f"{where}.default_mass_kg"
        ),
        ewc_code=_ewc_code(raw.get("ewc_code"), f"{where}.ewc_code"),
        hazardous=_flag(raw.get("hazardous", False), f"{where}.hazardous"),
        emission_factor=factor,
        emission_factor_source=source,
        active=_flag(raw.get("active", True), f"{where}.active"),
    )


def _slug(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > 64 or not SLUG.fullmatch(value):
        raise ValidationError(
            "a slug is lowercase letters, digits and single hyphens, at most 64 characters",
            field=field,
        )
    return value


def _choice(choices: type[Choice], value: Any, field: str) -> Choice:
    allowed = [member.value for member in choices]
    if value not in allowed:
        raise ValidationError(f"must be one of {', '.join(allowed)}", field=field)
    return choices(value)


def _names(value: Any, field: str) -> tuple[str, str, str]:
    if not isinstance(value, dict):
        raise ValidationError("expected an object with fi, sv and en", field=field)
    names = []
    for language in LANGUAGES:
        name = value.get(language)
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("a name is needed in every language", field=f"{field}.{language}")
        if len(name.strip()) > 120:
            raise ValidationError("at most 120 characters", field=f"{field}.{language}")
        names.append(name.strip())
    return names[0], names[1], names[2]


def _decimal(value: Any, places: int, maximum: Decimal, field: str) -> Decimal | None:
    if value is None:
        return None
    # bool is an int to Python, but true is no mass.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError('expected a decimal number such as "2.3"', field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"{value!r} is not a decimal number", field=field) from None
    if not number.is_finite() or number < 0:
        raise ValidationError("must be a number of zero or more", field=field)
    if number > maximum:
        raise ValidationError(f"must be at most {maximum}", field=field)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(f"at most {places} decimal places", field=field)
    return number


def _ewc_code(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not EWC_CODE.fullmatch(value):
        raise ValidationError('an EWC code is written like "17 01 02"', field=field)
    return value


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("expected true or false", field=field)
    return value


def _optional_text(value: Any, limit: int, where: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("expected text", field=f"{where}.{key}")
    text = value.strip()
    if len(text) > limit:
        raise ValidationError(f"at most {limit} characters", field=f"{where}.{key}")
    return text or None


def _apply(rows: list[CategoryRow], existing: dict[str, Category]) -> ImportSummary:
    by_slug = dict(existing)
    next_position = _next_positions(existing.values())
    created = updated = 0
    for row in rows:
        parent = by_slug[row.family] if row.family else None
        category = by_slug.get(row.slug)
        if category is None:
            parent_key = row.family
            category = Category(slug=row.slug, position=next_position[parent_key])
            next_position[parent_key] += POSITION_STEP
            _assign(category, row, parent)
            db.session.add(category)
            by_slug[row.slug] = category
            created += 1
        elif _differs(category, row, parent):
            _assign(category, row, parent)
            updated += 1
    return ImportSummary(created, updated, len(rows) - created - updated)


def _next_positions(categories: Iterable[Category]) -> defaultdict[str | None, int]:
    """New categories go after their siblings, in the order of the file."""
    positions: defaultdict[str | None, int] = defaultdict(lambda: POSITION_STEP)
    for category in categories:
        key = _family_slug(category)
        positions[key] = max(positions[key], category.position + POSITION_STEP)
    return positions


def _values(row: CategoryRow, parent: Category | None) -> dict[str, Any]:
    name_fi, name_sv, name_en = row.names
    return {
        "parent": parent,
        "kind": row.kind,
        "name_fi": name_fi,
        "name_sv": name_sv,
        "name_en": name_en,
        "default_unit": row.default_unit,
        "default_mass_kg": row.default_mass_kg,
        "ewc_code": row.ewc_code,
        "hazardous": row.hazardous,
        "emission_factor": row.emission_factor,
        "emission_factor_source": row.emission_factor_source,
        "active": row.active,
    }


def _differs(category: Category, row: CategoryRow, parent: Category | None) -> bool:
    # Decimals compare by value, so "2.30" in a file equals a stored 2.3.
    return any(getattr(category, name) != value for name, value in _values(row, parent).items())


def _assign(category: Category, row: CategoryRow, parent: Category | None) -> None:
    for name, value in _values(row, parent).items():
        setattr(category, name, value)
