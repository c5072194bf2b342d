"""`flask search reindex` and `flask search check`. Each prints its result on its last line.

Both read every listing and may build indexes over all of them, which can take longer than the
statement timeout that keeps requests short; they run without it (database.unhurried).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.database import unhurried
from marketplace.search import services
from marketplace.search.backend import SearchUnavailable

search = AppGroup("search", help="The search index.")


@search.command("reindex")
def reindex() -> None:
    """Rebuild the index from the database into a fresh directory (Whoosh) or fresh tables
    (PostgreSQL) and switch to it; searches continue on the old index meanwhile."""
    try:
        with unhurried():
            report = services.reindex()
    except SearchUnavailable as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"reindexed {report.documents} listings in {report.seconds:.1f} s "
        f"({report.caught_up} changed meanwhile) into {report.location}"
    )


@search.command("check")
@click.option("--repair", is_flag=True, help="Re-index the listings found out of step.")
def check(repair: bool) -> None:
    """Report listings missing from the index, indexed with old data, or indexed but no longer
    searchable. Exits with status 1 when there is drift (and it was not repaired)."""
    with unhurried():
        _check(repair)


def _check(repair: bool) -> None:
    report = services.check()
    for label, ids in (
        ("missing", report.missing),
        ("stale", report.stale),
        ("extra", report.extra),
    ):
        if ids:
            shown = ", ".join(map(str, ids[:50])) + (" …" if len(ids) > 50 else "")
            click.echo(f"{label}: {shown}")
    if repair and report.drift:
        services.repair(report.drift)
        after = services.check()
        click.echo(f"repaired {len(report.drift)} listings; now {after}")
        if after.drift:
            raise SystemExit(1)
        return
    click.echo(f"search index: {report}")
    if report.drift:
        raise SystemExit(1)
