from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from marketplace.categories import services
from marketplace.categories.cli import categories
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Category, CategoryKind, Unit


def all_categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category)))


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


@pytest.fixture
def prefix(app: Flask) -> Iterator[str]:
    """A slug prefix of this test's own: on PostgreSQL categories outlive a test, so whatever
    a test creates is deleted at its end, types before their families."""
    prefix = f"zz-{uuid.uuid4().hex[:8]}"
    yield prefix
    db.session.rollback()
    ours = Category.slug.startswith(prefix)
    db.session.execute(sa.delete(Category).where(ours, Category.parent_id.is_not(None)))
    db.session.execute(sa.delete(Category).where(ours))
    db.session.commit()


@pytest.fixture
def cli(app: Flask, runner: FlaskCliRunner) -> FlaskCliRunner:
    if "categories" not in app.cli.commands:
        app.cli.add_command(categories)
    return runner


def new_rows(prefix: str) -> list[dict[str, Any]]:
    """A new family and one product type, in the export shape."""
    family = {
        "slug": f"{prefix}-stone",
        "family": None,
        "kind": "material",
        "names": {"fi": "Luonnonkivi", "sv": "Natursten", "en": "Natural stone"},
        "default_unit": "t",
        "default_mass_kg": "1000",
        "ewc_code": "17 05 04",
        "hazardous": False,
        "emission_factor": None,
        "emission_factor_source": None,
        "active": True,
    }
    kerbs = {
        **family,
        "slug": f"{prefix}-granite-kerbs",
        "family": f"{prefix}-stone",
        "names": {"fi": "Graniittireunakivet", "sv": "Kantsten av granit", "en": "Granite kerbs"},
        "default_unit": "m",
        "default_mass_kg": "90.5",
    }
    return [family, kerbs]


def test_the_taxonomy_is_seeded(app: Flask) -> None:
    categories = all_categories()
    families = {c.id: c for c in categories if c.parent_id is None}
    types = [c for c in categories if c.parent_id is not None]
    assert len(families) >= 12 and len(types) >= 60
    assert {c.kind for c in families.values()} == {CategoryKind.MATERIAL, CategoryKind.EQUIPMENT}
    for category in types:
        family = category.parent
        assert family is not None and family.id in families, category.slug
        assert family.kind == category.kind, category.slug
    assert len({c.slug for c in categories}) == len(categories)


def test_every_category_is_named_and_measured(app: Flask) -> None:
    for category in all_categories():
        names = (category.name_fi, category.name_sv, category.name_en)
        assert all(name.strip() and name != category.slug for name in names), category.slug
        assert category.default_unit in set(Unit)
        assert category.active and not category.hazardous
        assert category.default_mass_kg is None or category.default_mass_kg > 0


def test_factors_name_their_source(app: Flask) -> None:
    for category in all_categories():
        if category.emission_factor is None:
            # Unknown stays unknown: no source without a factor, and never a zero.
            assert category.emission_factor_source is None, category.slug
        else:
            assert category.kind == CategoryKind.MATERIAL
            assert category.emission_factor > 0
            source = category.emission_factor_source or ""
            assert "ICE v2.0" in source and str(category.emission_factor) in source


def test_equipment_has_no_waste_code_or_factor(app: Flask) -> None:
    equipment = [c for c in all_categories() if c.kind == CategoryKind.EQUIPMENT]
    assert equipment
    assert all(c.ewc_code is None and c.emission_factor is None for c in equipment)


def test_spot_checks(app: Flask) -> None:
    bricks = services.find_by_slug("common-bricks")
    assert bricks is not None and bricks.family.slug == "bricks-ceramics"
    assert bricks.default_unit == Unit.PCS
    assert bricks.default_mass_kg == Decimal("2.3")
    assert bricks.emission_factor == Decimal("0.24")
    assert bricks.ewc_code == "17 01 02"
    scaffolding = services.find_by_slug("scaffolding")
    assert scaffolding is not None and scaffolding.parent is None
    assert scaffolding.kind == CategoryKind.EQUIPMENT
    aggregate = services.find_by_slug("gravel")
    assert aggregate is not None and aggregate.emission_factor == Decimal("0.005")
    assert services.find_by_slug("no-such-category") is None


def test_family_tree_is_in_position_order(app: Flask) -> None:
    tree = services.family_tree()
    assert tree[0][0].slug == "wood"
    positions = [family.position for family, _types in tree]
    assert positions == sorted(positions)
    for family, types in tree:
        assert types, family.slug
        assert all(category.parent_id == family.id for category in types)
        assert [c.position for c in types] == sorted(c.position for c in types)


def test_family_tree_leaves_out_inactive(app: Flask) -> None:
    wood = services.find_by_slug("sawn-timber")
    assert wood is not None
    wood.active = False
    db.session.flush()
    active = {c.slug for _family, types in services.family_tree() for c in types}
    everything = {
        c.slug for _f, types in services.family_tree(include_inactive=True) for c in types
    }
    assert "sawn-timber" not in active and "sawn-timber" in everything
    db.session.rollback()


def test_export_shape(app: Flask) -> None:
    rows = services.export_categories()
    assert len(rows) == len(all_categories())
    first_type = next(index for index, row in enumerate(rows) if row["family"] is not None)
    assert all(row["family"] is not None for row in rows[first_type:])
    bricks = next(row for row in rows if row["slug"] == "common-bricks")
    assert bricks == {
        "slug": "common-bricks",
        "family": "bricks-ceramics",
        "kind": "material",
        "names": {"fi": "Muuraustiilet", "sv": "Murtegel", "en": "Common bricks"},
        "default_unit": "pcs",
        "default_mass_kg": "2.3",
        "ewc_code": "17 01 02",
        "hazardous": False,
        "emission_factor": "0.24",
        "emission_factor_source": (
            "ICE v2.0 (Hammond & Jones, University of Bath): common brick 0.24 kg CO2e/kg"
        ),
        "active": True,
    }
    json.dumps(rows)


def test_export_then_import_changes_nothing(app: Flask) -> None:
    rows = services.export_categories()
    summary = services.import_categories(rows)
    assert summary == services.ImportSummary(created=0, updated=0, unchanged=len(rows))


def test_import_creates_then_updates(app: Flask, prefix: str) -> None:
    family, kerbs = new_rows(prefix)
    assert services.import_categories([family, kerbs]) == services.ImportSummary(2, 0, 0)
    created = services.find_by_slug(f"{prefix}-granite-kerbs")
    assert created is not None and created.parent is not None
    assert created.parent.slug == f"{prefix}-stone"
    assert created.default_mass_kg == Decimal("90.5")
    tree = dict(services.family_tree())
    assert [c.slug for c in tree[created.parent]] == [created.slug]

    # "90.500" is the same mass; the name is new.
    changed = {**kerbs, "default_mass_kg": "90.500", "names": {**kerbs["names"], "en": "Kerbs"}}
    assert services.import_categories([family, changed]) == services.ImportSummary(0, 1, 1)
    db.session.expire_all()
    updated = services.find_by_slug(f"{prefix}-granite-kerbs")
    assert updated is not None and updated.name_en == "Kerbs"


def test_import_adds_a_type_to_a_seeded_family(app: Flask, prefix: str) -> None:
    row = {
        **new_rows(prefix)[1],
        "family": "concrete",
        "names": {"fi": "Betonireunakivet", "sv": "Kantsten av betong", "en": "Concrete kerbs"},
        "ewc_code": "17 01 01",
        "emission_factor": "0.107",
        "emission_factor_source": "ICE v2.0: concrete, general 0.107 kg CO2e/kg",
    }
    assert services.import_categories([row]).created == 1
    kerbs = services.find_by_slug(row["slug"])
    concrete = services.find_by_slug("concrete")
    assert kerbs is not None and concrete is not None and kerbs.parent is concrete
    # New types go after their seeded siblings.
    siblings = dict(services.family_tree())[concrete]
    assert siblings[-1] is kerbs


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"default_unit": "kpl"}, "default_unit"),
        ({"family": "no-such-family"}, "family"),
        ({"family": "common-bricks"}, "family"),
        ({"kind": "equipment"}, "kind"),
        ({"default_mass_kg": "-1"}, "default_mass_kg"),
        ({"default_mass_kg": "heavy"}, "default_mass_kg"),
        ({"default_mass_kg": "1.2345"}, "default_mass_kg"),
        ({"emission_factor": "-0.1"}, "emission_factor"),
        ({"ewc_code": "170102"}, "ewc_code"),
        ({"ewc_code": "17 01 06*"}, "ewc_code"),
        ({"slug": "Granite Kerbs"}, "slug"),
        ({"names": {"fi": "Reunakivet", "sv": "Kantsten"}}, "names.en"),
        ({"hazardous": "no"}, "hazardous"),
        ({"emission_factor": "0.5", "emission_factor_source": None}, "emission_factor_source"),
        ({"default_mass": "2"}, "default_mass"),
    ],
)
def test_import_refuses_an_invalid_row(
    app: Flask, prefix: str, change: dict[str, Any], field: str
) -> None:
    before = services.export_categories()
    rows = [*new_rows(prefix), {**new_rows(prefix)[1], "slug": f"{prefix}-bad", **change}]
    with pytest.raises(ValidationError) as raised:
        services.import_categories(rows)
    assert raised.value.field == f"rows[2].{field}"
    db.session.expire_all()
    assert services.export_categories() == before


def test_import_refuses_a_family_defined_later_or_twice(app: Flask, prefix: str) -> None:
    family, kerbs = new_rows(prefix)
    with pytest.raises(ValidationError) as later:
        services.import_categories([kerbs, family])
    assert later.value.field == "rows[0].family"
    with pytest.raises(ValidationError) as twice:
        services.import_categories([family, kerbs, family])
    assert twice.value.field == "rows[2].slug"
    assert services.find_by_slug(family["slug"]) is None


def test_a_family_with_types_cannot_become_a_type(app: Flask) -> None:
    rows = {row["slug"]: row for row in services.export_categories()}
    with pytest.raises(ValidationError) as raised:
        services.import_categories([{**rows["glass"], "family": "metal"}])
    assert raised.value.field == "rows[0].family"


def test_cli_export_and_import(cli: FlaskCliRunner, prefix: str, tmp_path: Path) -> None:
    path = tmp_path / "categories.json"
    exported = cli.invoke(args=["categories", "export", "--output", str(path)])
    assert exported.exit_code == 0, exported.output
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert last_line(exported.output) == f"categories: {len(rows)} exported to {path}"
    assert "Käyttökelpoiset huonekalut" in path.read_text(encoding="utf-8")

    path.write_text(json.dumps([*rows, *new_rows(prefix)]), encoding="utf-8")
    imported = cli.invoke(args=["categories", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert last_line(imported.output) == f"categories: 2 created, 0 updated, {len(rows)} unchanged"
    assert services.find_by_slug(f"{prefix}-granite-kerbs") is not None


def test_cli_export_to_standard_output(cli: FlaskCliRunner) -> None:
    exported = cli.invoke(args=["categories", "export"])
    assert exported.exit_code == 0, exported.output
    rows = json.loads(exported.stdout)
    assert any(row["slug"] == "scaffolding" for row in rows)
    assert last_line(exported.stderr) == f"categories: {len(rows)} exported"


def test_cli_import_refuses_bad_input(cli: FlaskCliRunner, prefix: str, tmp_path: Path) -> None:
    path = tmp_path / "categories.json"
    family, kerbs = new_rows(prefix)
    path.write_text(json.dumps([family, {**kerbs, "default_unit": "kpl"}]), encoding="utf-8")
    invalid = cli.invoke(args=["categories", "import", str(path)])
    assert invalid.exit_code != 0
    assert "rows[1].default_unit" in invalid.output
    assert services.find_by_slug(family["slug"]) is None

    path.write_text("{not json", encoding="utf-8")
    broken = cli.invoke(args=["categories", "import", str(path)])
    assert broken.exit_code != 0 and "not UTF-8 JSON" in broken.output
