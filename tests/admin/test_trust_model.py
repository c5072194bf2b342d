"""The invariants of the trust model that the database itself keeps, and migration 0011 on a
database that already has people and organisations in it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import (
    CaseStatus,
    Decision,
    DecisionAction,
    GroundKind,
    Listing,
    ModerationCase,
    ModerationTarget,
    Notice,
    NoticeReason,
    User,
)
from tests.conftest import TEST_DATABASE_URL, base_config, postgres_url


def case_for(listing: Listing) -> ModerationCase:
    return ModerationCase(target_type=ModerationTarget.LISTING, target_id=listing.id)


def test_one_open_case_per_item(app: Flask, make_listing: Callable[..., Listing]) -> None:
    listing = make_listing()
    first = case_for(listing)
    db.session.add(first)
    db.session.commit()
    db.session.add(case_for(listing))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    first.status, first.decided_at = CaseStatus.DECIDED, utcnow()
    db.session.add(case_for(listing))
    db.session.commit()


def test_a_notice_needs_good_faith(app: Flask, make_listing: Callable[..., Listing]) -> None:
    case = case_for(make_listing())
    case.notices.append(
        Notice(
            target_type=case.target_type,
            target_id=case.target_id,
            reason=NoticeReason.SPAM,
            explanation="Sama ilmoitus kymmenen kertaa.",
            reporter_email="someone@example.fi",
            good_faith=False,
        )
    )
    db.session.add(case)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_suspension_for_a_period_names_its_end(
    app: Flask, make_user: Callable[..., User]
) -> None:
    moderator, member = make_user(role="moderator"), make_user()
    decision = Decision(
        target_type=ModerationTarget.USER,
        target_id=member.id,
        affected_user=member,
        action=DecisionAction.SUSPEND_TEMPORARILY,
        ground_kind=GroundKind.TERMS,
        ground="Terms of use 7",
        facts="Repeated scams.",
        decided_by=moderator,
    )
    db.session.add(decision)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    until = utcnow() + timedelta(days=14)
    decision.suspended_until = until
    # The decision and the user name each other; both are written in one flush.
    member.suspended_until = until
    member.suspension_decision = decision
    db.session.add(decision)
    db.session.commit()
    assert member.suspension_decision_id == decision.id
    assert member.is_suspended() and not member.is_suspended(until + timedelta(seconds=1))
    member.suspended_indefinitely = True
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.fixture(params=["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"])
def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables; on PostgreSQL a schema of its own, named apart from the
    other migration tests' (they may run at the same time in another worker)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'unmigrated.db'}"
        return
    url = postgres_url()
    schema = "migration_0011_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield (
        sa.make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_migration_keeps_rows_and_verification(unmigrated: str, tmp_path: Path) -> None:
    """0011 rebuilds users, listings and organisations on SQLite: nothing that cascades from
    them may go, and organisations take their status from `verified`. And back again."""
    app = create_app(base_config(tmp_path / "instance", unmigrated))
    rows = ("users", "sign_ins", "memberships", "organisations")
    with app.app_context():
        upgrade(revision="0010")
        for statement in (
            "INSERT INTO users (email, display_name, password_hash, password_changed_at, locale,"
            " role, active, created_at, updated_at) VALUES ('a@example.fi', 'A', 'x', :now,"
            " 'fi', 'member', true, :now, :now)",
            "INSERT INTO sign_ins (user_id, token_digest, user_agent, created_at, expires_at)"
            " VALUES (1, 'digest', '', :now, :now)",
            "INSERT INTO organisations (name, kind, business_id, verified,"
            " stripe_charges_enabled, created_at) VALUES ('Verified', 'business', '1234567-1',"
            " true, false, :now), ('Claim', 'business', '1234567-1', false, false, :now)",
            "INSERT INTO memberships (organisation_id, user_id, role, created_at)"
            " VALUES (1, 1, 'owner', :now), (2, 1, 'owner', :now)",
        ):
            db.session.execute(sa.text(statement), {"now": utcnow()})
        db.session.commit()

        def counts() -> list[int]:
            return [
                db.session.execute(
                    sa.select(sa.func.count()).select_from(sa.table(name))
                ).scalar_one()
                for name in rows
            ]

        assert counts() == [1, 1, 2, 2]
        db.session.commit()
        upgrade(revision="0011")
        assert counts() == [1, 1, 2, 2]
        statuses = db.session.execute(
            sa.text("SELECT name, verification_status FROM organisations ORDER BY id")
        ).all()
        assert [tuple(row) for row in statuses] == [
            ("Verified", "verified"),
            ("Claim", "unverified"),
        ]
        terms = db.session.execute(sa.text("SELECT terms_version FROM users")).scalar_one()
        assert terms is None
        db.session.commit()
        downgrade(revision="0010")
        assert counts() == [1, 1, 2, 2]
        db.session.commit()
        upgrade()
        db.session.remove()
        db.engine.dispose()
