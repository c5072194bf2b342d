"""`flask privacy`: the retention job, run at once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.privacy import retention

privacy = AppGroup("privacy", help="Personal data: retention.")


@privacy.command("retention")
def run_retention() -> None:
    """Remove what the privacy notice keeps no longer: records of sign-ins that ended more
    than RETENTION_SIGN_IN_DAYS ago, notifications older than RETENTION_NOTIFICATION_EMAIL_DAYS
    and partner idempotency records older than PARTNERS_IDEMPOTENCY_HOURS. Safe to run often."""
    removed = retention.remove_expired()
    click.echo(
        f"removed {removed.sign_ins} sign-ins, {removed.notifications} notifications, "
        f"{removed.idempotency_records} idempotency records"
    )
