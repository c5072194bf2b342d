"""`flask categories import|export`: the operator's way to keep the taxonomy up to date.

Each command prints its result on its last line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from marketplace.categories import services
from marketplace.errors import MarketplaceError

categories = AppGroup("categories", help="Import and export the category taxonomy.")


@categories.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Create or update categories from a JSON list of rows in the export shape."""
    rows = _read_rows(path)
    try:
        summary = services.import_categories(rows)
    except MarketplaceError as error:
        raise click.ClickException(f"{error.field}: {error.message}") from error
    click.echo(f"categories: {summary}")


def _read_rows(path: Path) -> list[dict[str, Any]]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{path} is not UTF-8 JSON: {error}") from error
    if not isinstance(rows, list):
        raise click.ClickException(f"{path} must hold a JSON list of category rows")
    return rows


@categories.command("export")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="File to write; standard output when left out.",
)
def export_command(output: Path | None) -> None:
    """Write every category as JSON, families first."""
    rows = services.export_categories()
    text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    summary = f"categories: {len(rows)} exported"
    if output is None:
        # The JSON alone goes to standard output, so that `> file.json` stays valid JSON.
        click.echo(text, nl=False)
        click.echo(summary, err=True)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"{summary} to {output}")
