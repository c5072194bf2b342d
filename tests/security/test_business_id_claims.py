"""A business ID cannot be squatted (issue 15, item 4).

Anyone may sign an organisation up with any valid Y-tunnus, unverified. Such a claim must
never block the real company, must not reveal other people's claims, and gets neither API
keys that write, nor the verified badge, nor Stripe payouts until an operator verifies it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Conflict, Forbidden, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    FeedFormat,
    Organisation,
    OrganisationKind,
    SyncStatus,
    User,
)
from marketplace.organisations import services as organisations
from marketplace.partners import feeds, keys, webhooks
from marketplace.payments import connect
from tests.partners.fixtures import Api, PartnerHandle, rental_item
from tests.support import Client, business_id, text

EN = {"Accept-Language": "en"}
BADGE = '<span class="badge">verified</span>'
AUTO = FeedFormat.AUTO


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def claims(number: str) -> list[Organisation]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.business_id == number)
            .order_by(Organisation.id)
        )
    )


def sign_up(client: Client, number: str, name: str = "Kopio Oy") -> Any:
    return client.submit(
        "/organisations/new",
        {"name": name, "kind": "rental_partner", "business_id": number},
        headers=EN,
    )


def orgs_create(runner: FlaskCliRunner, number: str, owner: str) -> Any:
    db.session.commit()
    return runner.invoke(
        args=[
            "orgs",
            "create",
            "--name",
            "Oikea Vuokraamo Oy",
            "--kind",
            "rental_partner",
            "--business-id",
            number,
            "--owner",
            owner,
        ]
    )


def orgs(runner: FlaskCliRunner, command: str, organisation: Organisation) -> Any:
    db.session.commit()
    result = runner.invoke(args=["orgs", command, "--id", str(organisation.id)])
    db.session.expire_all()
    return result


def test_an_unverified_claim_never_blocks_the_real_company(
    app: Flask,
    client: Client,
    new_client: Callable[..., Client],
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
) -> None:
    number = business_id()
    make_user(email="squatter@example.fi")
    client.sign_in("squatter@example.fi")
    assert sign_up(client, number).status_code == 302
    # A second claim proceeds too: it learns nothing of the first, unverified one.
    make_user(email="another@example.fi")
    another = new_client()
    another.sign_in("another@example.fi")
    assert sign_up(another, number, "Toinen Kopio Oy").status_code == 302

    make_user(email="ceo@example.fi")
    created = orgs_create(runner, number, "ceo@example.fi")

    assert created.exit_code == 0, created.output
    assert last_line(created.output).startswith("created organisation ")
    assert [claim.verified for claim in claims(number)] == [False, False, True]


def test_a_business_id_is_held_by_one_verified_organisation(
    app: Flask,
    client: Client,
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
) -> None:
    real = make_organisation(name="Oikea Oy", verified=True)
    number = real.business_id

    with pytest.raises(ValidationError) as refused:
        organisations.create_organisation(
            make_user(), "Toinen Oy", OrganisationKind.BUSINESS, number, verified=True
        )
    assert refused.value.field == "business_id"
    make_user(email="ops@example.fi")
    cli = orgs_create(runner, number, "ops@example.fi")
    assert cli.exit_code != 0 and f"organisation {real.id} Oikea Oy already holds" in cli.output

    make_user(email="resident@example.fi")
    client.sign_in("resident@example.fi")
    page = sign_up(client, number)
    assert page.status_code == 422
    assert "A verified organisation already has this business ID" in text(page)
    assert "Oikea Oy" not in text(page)  # polite, and says no more than that
    assert len(claims(number)) == 1


def test_a_claim_is_not_verified_over_the_real_holder(
    app: Flask,
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
) -> None:
    squatter = make_organisation(name="Kopio Oy")
    organisations.create_organisation(
        make_user(), "Oikea Oy", OrganisationKind.BUSINESS, squatter.business_id, verified=True
    )

    with pytest.raises(Conflict):
        organisations.set_verified(squatter, None, True)
    cli = orgs(runner, "verify", squatter)
    assert cli.exit_code != 0 and "already holds business ID" in cli.output
    # The partial unique index holds the line too, whatever a concurrent writer does.
    squatter.verified = True
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert [claim.verified for claim in claims(squatter.business_id)] == [False, True]


def test_an_unverified_organisation_gets_no_key_that_writes(
    app: Flask,
    client: Client,
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
) -> None:
    owner = make_user(email="owner@example.fi")
    claim = make_organisation(owner, name="Kopio Oy")
    client.sign_in("owner@example.fi")
    keys_page = f"/organisations/{claim.id}/partner/keys"

    page = text(client.get(f"/organisations/{claim.id}/partner", headers=EN))
    assert "Verification comes first" in page
    refused = client.submit(keys_page, {"name": "ERP", "scopes": list(keys.SCOPES)}, headers=EN)
    assert refused.status_code == 422 and "verification comes first" in text(refused)
    with pytest.raises(Forbidden):
        keys.create_key(claim, owner, "ERP", ["inventory:write"])
    db.session.commit()
    cli = runner.invoke(args=["partners", "create-key", "--org", str(claim.id), "--name", "ERP"])
    assert cli.exit_code != 0 and f"flask orgs verify --id {claim.id}" in cli.output
    assert keys.keys_of(claim) == []

    reader = client.submit(keys_page, {"name": "Lukija", "scopes": ["inventory:read"]})
    assert reader.status_code == 200 and "kmp_live_" in text(reader)

    assert orgs(runner, "verify", claim).exit_code == 0
    writer = runner.invoke(args=["partners", "create-key", "--org", str(claim.id), "--name", "W"])
    assert writer.exit_code == 0, writer.output
    assert last_line(writer.output).startswith(keys.TOKEN_PREFIX)


def test_a_write_key_stops_writing_while_its_organisation_is_unverified(
    app: Flask, api: Api, runner: FlaskCliRunner, partner: PartnerHandle
) -> None:
    unverified = orgs(runner, "unverify", partner.organisation)
    assert unverified.exit_code == 0
    assert last_line(unverified.output).startswith(
        f"unverified organisation {partner.organisation.id} "
    )

    refused = api.put("/inventory/SCAF-1", partner.key, rental_item())
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert "not been verified" in refused.get_json()["detail"]
    assert api.post("/inventory/batch", partner.key, {"items": []}).status_code == 403
    assert api.get("/inventory", partner.key).status_code == 200
    assert api.get("/reservations", partner.key).status_code == 200

    verified = orgs(runner, "verify", partner.organisation)
    assert verified.exit_code == 0
    assert last_line(verified.output) == (
        f"verified organisation {partner.organisation.id} {partner.organisation.name} "
        f"({partner.organisation.business_id})"
    )
    assert api.put("/inventory/SCAF-1", partner.key, rental_item()).status_code == 201
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "organisation")
        .where(AuditEvent.object_id == partner.organisation.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["organisation.unverified", "organisation.verified"]


def test_the_verified_badge_appears_only_after_verification(
    app: Flask,
    client: Client,
    runner: FlaskCliRunner,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_site: Callable[..., Any],
    make_listing: Callable[..., Any],
) -> None:
    owner = make_user(email="owner@example.fi")
    claim = make_organisation(owner, name="Kopio Oy")
    listing = make_listing(owner=owner, site=make_site(owner, claim))
    client.sign_in("owner@example.fi")
    pages = (f"/listings/{listing.id}", f"/organisations/{claim.id}", "/organisations/")

    for page in pages:
        shown = text(client.get(page, headers=EN))
        assert "Kopio Oy" in shown and BADGE not in shown, page
    assert orgs(runner, "verify", claim).exit_code == 0
    for page in pages:
        assert BADGE in text(client.get(page, headers=EN)), page


def test_stripe_payouts_wait_for_verification(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
) -> None:
    owner = make_user()
    claim = make_organisation(owner, name="Kopio Oy")

    class Unreachable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"Stripe was asked to {name} for an unverified organisation")

    monkeypatch.setattr(connect, "gateway", Unreachable)
    with pytest.raises(Conflict):
        connect.onboarding_link(claim, owner)
    assert claim.stripe_account_id is None


def test_feeds_and_webhooks_wait_for_verification(
    app: Flask,
    client: Client,
    runner: FlaskCliRunner,
    partner: PartnerHandle,
    local_server: Callable[..., Any],
    private_urls: None,
) -> None:
    """Keys are not the only way to act for an organisation in bulk: a feed writes its whole
    inventory, and a webhook copies its reservations to an address of the claimant's choice."""
    server = local_server((200, {"Content-Type": "application/json"}, b'{"items": []}'))
    feed = feeds.save_feed(partner.organisation, partner.owner, f"{server.url}/f.json", AUTO, 60)
    assert orgs(runner, "unverify", partner.organisation).exit_code == 0
    organisation = db.session.get(Organisation, partner.organisation.id)
    assert organisation is not None and not organisation.verified

    with pytest.raises(Forbidden):
        feeds.save_feed(organisation, partner.owner, f"{server.url}/g.json", AUTO, 60)
    with pytest.raises(Forbidden):
        webhooks.create_endpoint(organisation, partner.owner, f"{server.url}/hook")
    run = feeds.pull(feed.id, force=True)
    assert run is not None and run.status == SyncStatus.FAILED
    assert "not verified" in (run.error or "")
    assert server.received == []

    client.sign_in(partner.owner.email)
    page = client.submit(
        f"/organisations/{organisation.id}/partner/webhooks",
        {"url": f"{server.url}/hook", "events": [webhooks.EVENTS[0]]},
        headers=EN,
    )
    assert page.status_code == 422 and "wait until the marketplace has verified" in text(page)
