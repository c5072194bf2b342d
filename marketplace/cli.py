"""Operator commands. Each prints its result on its last line."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from marketplace.alerts.cli import alerts
from marketplace.auth import services as auth_services
from marketplace.categories.cli import categories
from marketplace.demo.loader import load as load_demo
from marketplace.errors import MarketplaceError
from marketplace.listings import services as listing_services
from marketplace.mail import notifications
from marketplace.models import Language, OrganisationKind, Role
from marketplace.ops import jobs
from marketplace.organisations import services as organisation_services
from marketplace.partners.cli import partners
from marketplace.payments import services as payment_services
from marketplace.privacy.cli import privacy
from marketplace.reservations import expiry
from marketplace.search.cli import search

users = AppGroup("users", help="Manage user accounts.")
orgs = AppGroup("orgs", help="Manage organisations.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", "display_name", default=None, help="Name shown to others.")
@click.option("--language", type=click.Choice([lang.value for lang in Language]), default="fi")
@click.option("--admin", is_flag=True, help="Give the account administrator rights.")
@click.option("--moderator", is_flag=True, help="Give the account moderator rights.")
def create_user(
    email: str, password: str, display_name: str | None, language: str, admin: bool, moderator: bool
) -> None:
    role = Role.ADMIN if admin else Role.MODERATOR if moderator else Role.MEMBER
    try:
        user = auth_services.create_user(
            email, display_name or email.split("@")[0], password, Language(language), role
        )
    except MarketplaceError as error:
        raise _failure(error) from error
    click.echo(f"created user {user.id} {user.email} ({user.role})")


def _failure(error: MarketplaceError) -> click.ClickException:
    # Operators read the terminal in English, whatever the product's default language.
    with force_locale("en"):
        return click.ClickException(f"{error.field}: {error.message}")


def _kind(_context: click.Context, _param: click.Parameter, value: str) -> OrganisationKind:
    try:
        return OrganisationKind(value.replace("-", "_").replace(" ", "_").lower())
    except ValueError as error:
        allowed = ", ".join(kind.value for kind in OrganisationKind)
        raise click.BadParameter(f"choose one of {allowed}") from error


@orgs.command("create")
@click.option("--name", required=True)
@click.option(
    "--kind",
    required=True,
    callback=_kind,
    help="contractor, business, rental_partner or public_body",
)
@click.option("--business-id", required=True, help="Finnish business ID, e.g. 1234567-8")
@click.option("--owner", "owner_email", required=True, help="E-mail of an existing user.")
def create_organisation(
    name: str, kind: OrganisationKind, business_id: str, owner_email: str
) -> None:
    owner = auth_services.find_user_by_email(owner_email)
    if owner is None:
        raise click.ClickException(f"no user with e-mail {owner_email}; create it first")
    try:
        _refuse_verified_holder(organisation_services.canonical_business_id(business_id))
        organisation = organisation_services.create_organisation(
            owner, name, kind, business_id, verified=True
        )
    except MarketplaceError as error:
        raise _failure(error) from error
    click.echo(
        f"created organisation {organisation.id} {organisation.name} "
        f"({organisation.business_id}) owned by {owner.email}"
    )


def _refuse_verified_holder(business_id: str, other_than: int | None = None) -> None:
    """Operators may learn which organisation holds a business ID; the public may not."""
    holder = organisation_services.verified_holder(business_id, other_than)
    if holder is not None:
        raise click.ClickException(
            f"organisation {holder.id} {holder.name} already holds business ID "
            f"{holder.business_id} as a verified organisation; unverify it first if it is not "
            "the real holder"
        )


def _set_verified(organisation_id: int, verified: bool) -> None:
    try:
        organisation = organisation_services.get_organisation(organisation_id)
    except MarketplaceError as error:
        raise _failure(error) from error
    if verified:
        _refuse_verified_holder(organisation.business_id, organisation.id)
    try:
        # The same decision as an administrator's in the console: the status, the badge and
        # the owners' notice change together.
        changed = organisation_services.set_verified(organisation, None, verified)
    except MarketplaceError as error:
        raise _failure(error) from error
    state = "verified" if verified else "unverified"
    click.echo(
        f"{state if changed else f'already {state}:'} organisation {organisation.id} "
        f"{organisation.name} ({organisation.business_id})"
    )


ORGANISATION_ID = click.option(
    "--id",
    "organisation_id",
    required=True,
    type=click.IntRange(1, 2**31 - 1),
    help="The organisation's id, as in its page's address /organisations/<id>.",
)


@orgs.command("verify")
@ORGANISATION_ID
def verify_organisation(organisation_id: int) -> None:
    """Mark an organisation verified once its business ID has been checked (e.g. in YTJ):
    only then may its API keys write and its listings carry the verified badge. Its owners
    are told, as when an administrator verifies it in the console."""
    _set_verified(organisation_id, True)


@orgs.command("unverify")
@ORGANISATION_ID
def unverify_organisation(organisation_id: int) -> None:
    """Withdraw an organisation's verification: its API keys can then only read, and it must
    send its trader details for verification again. Its owners are told."""
    _set_verified(organisation_id, False)


listings = AppGroup("listings", help="Listing upkeep.")


@listings.command("expire")
def expire_listings() -> None:
    """Mark listings whose end date has passed as expired. Safe to run often."""
    count = listing_services.expire_listings()
    click.echo(f"expired {count} listings")


reservations = AppGroup("reservations", help="Reservation upkeep.")


@reservations.command("expire")
def expire_reservations() -> None:
    """Release holds nobody acted on in time, and remind those who must act soon.
    Safe to run every minute, and from several processes at once."""
    reminded = expiry.remind_due()
    expired = expiry.expire_due()
    click.echo(f"reminded {reminded}, expired {expired} reservations")


notifications_group = AppGroup("notifications", help="Notification e-mails.")


@notifications_group.command("send")
def send_notifications() -> None:
    """Send the e-mails of notifications not sent yet (after a crash or a mail outage)."""
    click.echo(f"sent {notifications.deliver_pending()} e-mails")


payments_group = AppGroup("payments", help="Online payments.")


@payments_group.command("refunds")
def send_refunds() -> None:
    """Send recorded refunds that Stripe has not confirmed yet. Safe to run often."""
    click.echo(f"sent {payment_services.send_pending_refunds()} refunds")


jobs_group = AppGroup("jobs", help="Background duties.")


@jobs_group.command("run")
@click.option("--once", is_flag=True, help="Run every duty once and exit (for cron).")
@click.option("--interval", type=float, default=None, help="Seconds between rounds.")
def run_jobs(once: bool, interval: float | None) -> None:
    """Expiry, reminders, e-mails, refunds and the features' other duties. Several runners
    may run at once: each piece of work is claimed before it is done."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        report = jobs.run_once(app)
        click.echo("jobs: " + ", ".join(f"{name} {count}" for name, count in report.items()))
        return
    jobs.run_forever(app, interval or app.config["JOBS_INTERVAL_SECONDS"])


@click.command("demo-data")
def demo_data() -> None:
    """Load a realistic Kera marketplace. Running it again adds nothing twice."""
    summary = load_demo()
    click.echo(f"demo data: {summary}")


def register_cli(app: Flask) -> None:
    for command in (
        users,
        orgs,
        categories,
        listings,
        reservations,
        notifications_group,
        payments_group,
        jobs_group,
        partners,
        search,
        alerts,
        privacy,
        demo_data,
    ):
        app.cli.add_command(command)
