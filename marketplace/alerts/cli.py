"""`flask alerts send` and `flask alerts match`: the alert duties, for cron or by hand."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.alerts import matching, services

alerts = AppGroup("alerts", help="Saved-search alerts and wanted-ad matches.")


@alerts.command("send")
def send() -> None:
    """Alert about new listings for every due saved search (instant, daily, weekly). Safe to
    run often and from several processes: nothing is announced twice."""
    click.echo(f"announced {services.send_due()} listings")


@alerts.command("match")
def match() -> None:
    """Match listings changed within MATCHING_CATCH_UP_MINUTES to wanted ads (catching up
    what a stopped process did not). Safe to rerun: each pair is announced once."""
    click.echo(f"matched {matching.catch_up()} new pairs")
