"""`flask partners …`: operator commands for the partner API. Each prints its result on its
last line (create-key prints the key itself there, so scripts can take it with `tail -1`)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from marketplace.core.inputs import whole_number
from marketplace.errors import MarketplaceError
from marketplace.extensions import db
from marketplace.models import FeedSource, MemberRole, Membership, Organisation, User
from marketplace.organisations.services import find_by_name
from marketplace.partners import feeds, idempotency, keys, webhooks

partners = AppGroup("partners", help="Partner API keys, webhooks and feeds.")


def _organisation(reference: str) -> Organisation:
    try:
        found = db.session.get(Organisation, whole_number(reference))
    except ValueError:
        found = None
    found = found or find_by_name(reference)
    if found is None:
        raise click.ClickException(f"no organisation {reference!r} (give its name or id)")
    return found


def _acting_owner(organisation: Organisation, email: str | None) -> User:
    query = (
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.role == MemberRole.OWNER)
        .order_by(Membership.id)
    )
    if email:
        query = query.where(User.email == email.strip().lower())
    owner = db.session.scalar(query.limit(1))
    if owner is None:
        raise click.ClickException(f"no owner {email or ''} of {organisation.name}".strip())
    return owner


def _verification_hint(organisation: Organisation) -> str:
    if organisation.verified:
        return ""
    reads = " ".join(f"--scope {scope}" for scope in keys.READ_SCOPES)
    return (
        f" (organisation {organisation.id} is not verified: run `flask orgs verify --id "
        f"{organisation.id}` once its business ID is checked, or create the key with {reads})"
    )


@partners.command("create-key")
@click.option("--org", "reference", required=True, help="The organisation's name or id.")
@click.option("--name", required=True, help="What the key is for, e.g. 'ERP sync'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(keys.SCOPES),
    help="Repeat for several; all scopes when left out.",
)
@click.option("--owner", "email", default=None, help="The owner the key acts as (default: first).")
def create_key(reference: str, name: str, scopes: tuple[str, ...], email: str | None) -> None:
    """Create an API key for an organisation and print it (shown only this once)."""
    organisation = _organisation(reference)
    owner = _acting_owner(organisation, email)
    try:
        created = keys.create_key(organisation, owner, name, list(scopes or keys.SCOPES))
    except MarketplaceError as error:
        with force_locale("en"):
            raise click.ClickException(
                f"{error.field}: {error.message}{_verification_hint(organisation)}"
            ) from error
    click.echo(
        f"created key {created.key.id} {created.key.name!r} for {organisation.name} "
        f"acting as {owner.email}, scopes {' '.join(created.key.scopes)}; it is shown only now:"
    )
    click.echo(created.token)


@partners.command("deliver-webhooks")
def deliver_webhooks() -> None:
    """Send webhook deliveries that are due (new ones and retries). Safe to run often."""
    click.echo(str(webhooks.deliver_due()))


@partners.command("pull-feeds")
@click.option("--all", "everything", is_flag=True, help="Pull every feed now, due or not.")
def pull_feeds(everything: bool) -> None:
    """Pull the partners' feeds that are due. Safe to run often, from several machines."""
    if everything:
        ids = db.session.scalars(sa.select(FeedSource.id)).all()
        runs = [run for run in (feeds.pull(feed_id, force=True) for feed_id in ids) if run]
    else:
        runs = feeds.pull_due()
    for run in runs:
        click.echo(
            f"feed of organisation {run.organisation_id}: {run.status}, {run.created} created, "
            f"{run.updated} updated, {run.unchanged} unchanged, {run.withdrawn} withdrawn, "
            f"{run.failed} failed{f' ({run.error})' if run.error else ''}"
        )
    click.echo(f"pulled {len(runs)} feeds")


@partners.command("prune")
def prune() -> None:
    """Forget Idempotency-Key answers older than PARTNERS_IDEMPOTENCY_HOURS."""
    click.echo(f"forgot {idempotency.prune()} idempotency records")
