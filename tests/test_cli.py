from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from marketplace.extensions import db
from marketplace.models import Organisation, Role, User
from marketplace.organisations.services import membership


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_users_create(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Ops@Example.fi",
            "--password",
            "operator password",
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ops@example.fi"))
    assert user is not None and user.role == Role.ADMIN
    assert last_line(result.output) == f"created user {user.id} ops@example.fi (admin)"


def test_users_create_refuses_bad_input(app: Flask, runner: FlaskCliRunner, make_user: Any) -> None:
    make_user(email="taken@example.fi")
    duplicate = runner.invoke(
        args=["users", "create", "--email", "taken@example.fi", "--password", "operator password"]
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = runner.invoke(
        args=["users", "create", "--email", "new@example.fi", "--password", "short"]
    )
    assert short.exit_code != 0 and "password" in short.output


def test_orgs_create(app: Flask, runner: FlaskCliRunner, make_user: Any) -> None:
    owner = make_user(email="owner@example.fi")
    result = runner.invoke(
        args=[
            "orgs",
            "create",
            "--name",
            "Vuokrakone Espoo Oy",
            "--kind",
            "rental-partner",
            "--business-id",
            "2769821-8",
            "--owner",
            "owner@example.fi",
        ]
    )
    assert result.exit_code == 0, result.output
    organisation = db.session.scalar(sa.select(Organisation))
    assert organisation is not None and organisation.verified
    assert membership(organisation.id, owner) is not None
    assert last_line(result.output).startswith(f"created organisation {organisation.id} ")


def test_orgs_create_refuses_bad_input(app: Flask, runner: FlaskCliRunner, make_user: Any) -> None:
    make_user(email="owner@example.fi")
    for args, message in [
        (["--business-id", "2769821-9", "--owner", "owner@example.fi"], "business_id"),
        (["--business-id", "2769821-8", "--owner", "nobody@example.fi"], "no user"),
        (["--business-id", "2769821-8", "--owner", "owner@example.fi", "--kind", "x"], "kind"),
    ]:
        base = ["orgs", "create", "--name", "X Oy", "--kind", "business"]
        result = runner.invoke(args=base + args)
        assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_listings_expire(app: Flask, runner: FlaskCliRunner, make_listing: Any) -> None:
    from datetime import timedelta

    from marketplace.core.clock import today_in_finland
    from marketplace.models import Listing, ListingStatus

    listing = make_listing(
        available_from=today_in_finland() - timedelta(days=10),
        available_until=today_in_finland() + timedelta(days=1),
    )
    db.session.execute(
        sa.update(Listing)
        .where(Listing.id == listing.id)
        .values(available_until=today_in_finland() - timedelta(days=1))
    )
    db.session.commit()
    first = runner.invoke(args=["listings", "expire"])
    assert last_line(first.output) == "expired 1 listings"
    assert last_line(runner.invoke(args=["listings", "expire"]).output) == "expired 0 listings"
    db.session.refresh(listing)
    assert listing.status == ListingStatus.EXPIRED
