"""Knowing the traders (DSA Art. 30): owners give the trader's details and send them for
verification; an administrator verifies or refuses with a note and the owners are told;
the command line decides through the same service, so the status and the badge stay in step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from marketplace.errors import Forbidden, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Language,
    Notification,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
)
from marketplace.organisations import verification
from marketplace.organisations.verification import TraderDetails
from tests.support import Client, text

EN = {"Accept-Language": "en"}
BADGE = '<span class="badge">verified</span>'
DETAILS = {
    "street_address": "Keranportti 3",
    "postal_code": "02650",
    "city": "Espoo",
    "phone": "+358 9 5550 1200",
    "email": "myynti@kopio.example",
    "trade_register_number": "",
    "certify": "y",
}
TRADER = TraderDetails(
    "Keranportti 3", "02650", "Espoo", "+358 9 5550 1200", "myynti@kopio.example"
)


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user(email="owner@example.fi", name="Olli Omistaja")


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(email="admin@example.fi", name="Administrator", role=Role.ADMIN)


@pytest.fixture
def claim(owner: User, make_organisation: Callable[..., Organisation]) -> Organisation:
    return make_organisation(owner, name="Kopio Oy", kind=OrganisationKind.BUSINESS)


@pytest.fixture
def signed_in(app: Flask) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        signed_in: Client = app.test_client()  # type: ignore[assignment]
        signed_in.sign_in(user.email)
        return signed_in

    return sign_in


def fresh(organisation: Organisation) -> Organisation:
    db.session.expire_all()
    found = db.session.get(Organisation, organisation.id)
    assert found is not None
    return found


def in_step(organisation: Organisation) -> None:
    assert organisation.verified == (
        organisation.verification_status == VerificationStatus.VERIFIED
    )


def decide(browser: Client, organisation: Organisation, decision: str, note: str = "") -> Any:
    prefix = f"organisation-{organisation.id}"
    return browser.submit(
        f"/admin/organisations/{organisation.id}/decision",
        {f"{prefix}-decision": decision, f"{prefix}-note": note},
        headers=EN,
    )


def test_owners_send_the_trader_details_for_verification(
    app: Flask, owner: User, claim: Organisation, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(owner)
    page = f"/organisations/{claim.id}/verification"
    shown = text(client.get(page, headers=EN))
    assert "Not verified" in shown and 'name="street_address"' in shown

    unconfirmed = client.submit(page, {**DETAILS, "certify": ""}, headers=EN)
    assert unconfirmed.status_code == 422
    assert "offers only lawful goods" in text(unconfirmed)
    assert fresh(claim).verification_status == VerificationStatus.UNVERIFIED

    sent = client.submit(page, DETAILS, headers=EN)
    assert sent.status_code == 302
    organisation = fresh(claim)
    assert organisation.verification_status == VerificationStatus.PENDING
    assert not organisation.verified
    assert (organisation.street_address, organisation.phone) == ("Keranportti 3", DETAILS["phone"])
    assert organisation.trader_certified_at is not None
    assert "Waiting for verification" in text(client.get(page, headers=EN))
    assert "Waiting for verification" in text(client.get(f"/organisations/{claim.id}", headers=EN))
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == claim.id)
    ).all()
    assert "organisation.verification_requested" in actions


def test_members_see_the_status_but_only_owners_send_details(
    app: Flask,
    owner: User,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    signed_in: Callable[[User], Client],
) -> None:
    member = make_user(email="member@example.fi")
    organisation = make_organisation(owner, name="Jäsen Oy", members=(member,))
    page = f"/organisations/{organisation.id}/verification"
    client = signed_in(member)
    shown = text(client.get(page, headers=EN))
    assert "Not verified" in shown and 'name="street_address"' not in shown
    assert client.submit(page, DETAILS).status_code == 403
    assert signed_in(make_user()).get(page).status_code == 404
    with pytest.raises(Forbidden):
        verification.submit(organisation, member, TRADER, certified=True)
    assert fresh(organisation).verification_status == VerificationStatus.UNVERIFIED


def test_the_service_checks_the_details(app: Flask, owner: User, claim: Organisation) -> None:
    for change, field in [({"phone": " "}, "phone"), ({"email": "no-at-sign"}, "email")]:
        details = TraderDetails(**{**TRADER.__dict__, **change})
        with pytest.raises(ValidationError) as refused:
            verification.submit(claim, owner, details, certified=True)
        assert refused.value.field == field
    with pytest.raises(ValidationError) as unconfirmed:
        verification.submit(claim, owner, TRADER, certified=False)
    assert unconfirmed.value.field == "certify"


def test_an_administrator_verifies_and_the_owners_are_told(
    smtp_server: Any,
    app: Flask,
    owner: User,
    administrator: User,
    claim: Organisation,
    signed_in: Callable[[User], Client],
) -> None:
    verification.submit(claim, owner, TRADER, certified=True)
    admin = signed_in(administrator)
    listed = text(admin.get("/admin/organisations", headers=EN))
    assert "Kopio Oy" in listed and claim.business_id in listed
    assert "Keranportti 3" in listed and "+358 9 5550 1200" in listed
    assert "myynti@kopio.example" in listed and "owner@example.fi" in listed

    assert decide(admin, claim, "verified", "Checked in YTJ.").status_code == 302
    organisation = fresh(claim)
    in_step(organisation)
    assert organisation.verified
    assert organisation.verification_decided_by_id == administrator.id
    assert organisation.verification_note == "Checked in YTJ."
    card = f'id="organisation-{claim.id}"'
    assert card not in text(admin.get("/admin/organisations", headers=EN))
    assert card in text(admin.get("/admin/organisations?status=verified", headers=EN))
    told = db.session.scalar(sa.select(Notification).where(Notification.user_id == owner.id))
    assert told is not None and told.kind == "organisation_verified"
    mail = [m for m in smtp_server.messages if m["To"] == owner.email]
    assert len(mail) == 1 and mail[0]["Subject"] == "Kopio Oy has been verified"
    assert "Checked in YTJ." in mail[0].get_content()


def test_the_owners_are_told_in_their_language(
    smtp_server: Any,
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    administrator: User,
) -> None:
    swedish = make_user(email="agare@example.fi", locale=Language.SV)
    organisation = make_organisation(swedish, name="Ägare Ab")
    verification.submit(organisation, swedish, TRADER, certified=True)
    verification.decide(organisation, administrator, VerificationStatus.REJECTED, "Fel adress.")
    (mail,) = smtp_server.messages
    # The product's greeting in Swedish: the e-mail was rendered in the owner's language.
    assert mail.get_content().startswith("Hej ")


def test_refusing_needs_a_note_and_the_owners_can_send_again(
    app: Flask,
    owner: User,
    administrator: User,
    claim: Organisation,
    signed_in: Callable[[User], Client],
) -> None:
    verification.submit(claim, owner, TRADER, certified=True)
    admin = signed_in(administrator)
    refused = decide(admin, claim, "rejected")
    assert refused.status_code == 302
    assert "Tell the organisation why" in text(admin.get(refused.headers["Location"], headers=EN))
    assert fresh(claim).verification_status == VerificationStatus.PENDING

    decide(admin, claim, "rejected", "The address is not the registered one.")
    organisation = fresh(claim)
    in_step(organisation)
    assert organisation.verification_status == VerificationStatus.REJECTED
    client = signed_in(owner)
    page = text(client.get(f"/organisations/{claim.id}/verification", headers=EN))
    assert "The address is not the registered one." in page and "refused" in page
    kinds = db.session.scalars(sa.select(Notification.kind)).all()
    assert kinds == ["organisation_rejected"]

    client.submit(f"/organisations/{claim.id}/verification", DETAILS)
    assert fresh(claim).verification_status == VerificationStatus.PENDING


def test_only_verified_organisations_show_the_badge_and_buyers_see_the_trader(
    app: Flask,
    client: Client,
    owner: User,
    administrator: User,
    claim: Organisation,
    make_site: Callable[..., Any],
    make_listing: Callable[..., Any],
) -> None:
    listing = make_listing(owner=owner, site=make_site(owner, claim))
    verification.submit(claim, owner, TRADER, certified=True)
    page = text(client.get(f"/listings/{listing.id}", headers=EN))
    assert 'id="trader-details"' in page and BADGE not in page
    for shown in ("Kopio Oy", claim.business_id, "Keranportti 3, 02650 Espoo", TRADER.phone):
        assert shown in page
    assert "myynti@kopio.example" in page and "has not verified this organisation" in page

    verification.decide(claim, administrator, VerificationStatus.VERIFIED)
    assert BADGE in text(client.get(f"/listings/{listing.id}", headers=EN))


def test_private_people_show_no_trader_details(
    app: Flask, client: Client, make_listing: Callable[..., Any]
) -> None:
    listing = make_listing()
    assert 'id="trader-details"' not in text(client.get(f"/listings/{listing.id}"))


def test_the_command_line_keeps_status_and_badge_in_step(
    app: Flask, runner: FlaskCliRunner, owner: User, claim: Organisation
) -> None:
    verification.submit(claim, owner, TRADER, certified=True)

    def orgs(command: str) -> Organisation:
        db.session.commit()
        result = runner.invoke(args=["orgs", command, "--id", str(claim.id)])
        assert result.exit_code == 0, result.output
        return fresh(claim)

    verified = orgs("verify")
    in_step(verified)
    assert verified.verification_status == VerificationStatus.VERIFIED
    assert verified.verification_decided_by_id is None
    unverified = orgs("unverify")
    in_step(unverified)
    assert unverified.verification_status == VerificationStatus.UNVERIFIED
    kinds = db.session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == ["organisation_verified", "organisation_unverified"]


def test_orgs_create_makes_a_verified_organisation(
    app: Flask, runner: FlaskCliRunner, owner: User
) -> None:
    result = runner.invoke(
        args=[
            "orgs",
            "create",
            "--name",
            "Oikea Oy",
            "--kind",
            "business",
            "--business-id",
            "2769821-8",
            "--owner",
            owner.email,
        ]
    )
    assert result.exit_code == 0, result.output
    organisation = db.session.scalar(sa.select(Organisation))
    assert organisation is not None
    in_step(organisation)
    assert organisation.verification_status == VerificationStatus.VERIFIED
    # Created verified by the operator: nobody waits to be told.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_a_claim_is_not_verified_over_the_real_holder(
    app: Flask,
    owner: User,
    administrator: User,
    claim: Organisation,
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
) -> None:
    from marketplace.organisations import services

    services.create_organisation(
        make_user(), "Oikea Oy", OrganisationKind.BUSINESS, claim.business_id, verified=True
    )
    verification.submit(claim, owner, TRADER, certified=True)
    admin = signed_in(administrator)
    answer = decide(admin, claim, "verified")
    assert "already has this business ID" in text(admin.get(answer.headers["Location"], headers=EN))
    organisation = fresh(claim)
    in_step(organisation)
    assert organisation.verification_status == VerificationStatus.PENDING


@pytest.mark.parametrize(
    ("who", "page", "decision"),
    [
        ("anonymous", 302, 302),
        ("resident", 403, 403),
        ("moderator", 403, 403),
        ("admin", 200, 302),
    ],
)
def test_only_administrators_use_the_organisations_page(
    app: Flask,
    owner: User,
    claim: Organisation,
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
    who: str,
    page: int,
    decision: int,
) -> None:
    verification.submit(claim, owner, TRADER, certified=True)
    roles = {"resident": Role.MEMBER, "moderator": Role.MODERATOR, "admin": Role.ADMIN}
    if who == "anonymous":
        client: Client = app.test_client()  # type: ignore[assignment]
    else:
        client = signed_in(make_user(role=roles[who]))
    listing = client.get("/admin/organisations")
    assert listing.status_code == page
    if who == "anonymous":
        assert listing.headers["Location"].startswith("/login?next=")
    answer = decide(client, claim, "verified")
    assert answer.status_code == decision
    organisation = fresh(claim)
    assert organisation.verified == (who == "admin")
    in_step(organisation)


def test_the_service_refuses_people_who_are_not_administrators(
    app: Flask, owner: User, claim: Organisation, make_user: Callable[..., User]
) -> None:
    with pytest.raises(Forbidden):
        verification.decide(claim, owner, VerificationStatus.VERIFIED)
    with pytest.raises(Forbidden):
        verification.decide(claim, make_user(role=Role.MODERATOR), VerificationStatus.VERIFIED)
    assert not fresh(claim).verified


def test_the_console_shows_the_section_to_administrators_only(
    app: Flask, make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    admin_page = text(signed_in(make_user(role=Role.ADMIN)).get("/admin/", headers=EN))
    assert 'href="/admin/organisations"' in admin_page
    moderator_page = text(signed_in(make_user(role=Role.MODERATOR)).get("/admin/", headers=EN))
    assert 'href="/admin/organisations"' not in moderator_page
    unknown = signed_in(make_user(role=Role.ADMIN)).get("/admin/organisations?status=x")
    assert unknown.status_code == 404
