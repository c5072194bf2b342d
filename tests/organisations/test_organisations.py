from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.errors import Conflict, Forbidden, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import AuditEvent, MemberRole, Membership, Organisation, OrganisationKind
from marketplace.organisations import services
from tests.support import Client, business_id, text


def organisations() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) or 0


@pytest.mark.parametrize("raw", ["2874105-4", "28741054", " 2874105-4 "])
def test_business_ids_are_checked_and_made_canonical(app: Flask, raw: str) -> None:
    assert services.canonical_business_id(raw) == "2874105-4"


@pytest.mark.parametrize("raw", ["2874105-5", "1234567", "abc", "", "2874105-44"])
def test_bad_business_ids_are_refused(app: Flask, raw: str) -> None:
    with pytest.raises(ValidationError) as raised:
        services.canonical_business_id(raw)
    assert raised.value.field == "business_id"


def test_creating_an_organisation_through_the_page(
    app: Flask, client: Client, make_user: Any
) -> None:
    user = make_user(email="mikko@example.fi")
    client.sign_in("mikko@example.fi")
    response = client.submit(
        "/organisations/new",
        {"name": "Rakennus Kera Oy", "kind": "contractor", "business_id": "28741054"},
    )
    assert response.status_code == 302
    organisation = db.session.scalar(sa.select(Organisation))
    assert organisation is not None
    assert organisation.business_id == "2874105-4"
    assert organisation.kind == OrganisationKind.CONTRACTOR
    assert not organisation.verified
    assert services.membership(organisation.id, user).role == MemberRole.OWNER  # type: ignore[union-attr]
    page = text(client.get(response.headers["Location"]))
    assert "Rakennus Kera Oy" in page and "2874105-4" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"business_id": "2874105-5"}, "check digit"),
        ({"name": ""}, "required"),
        ({"kind": "pirate"}, "Choose from the options given"),
    ],
)
def test_invalid_organisation_names_the_field(
    app: Flask, client: Client, make_user: Any, data: dict[str, str], message: str
) -> None:
    make_user(email="mikko@example.fi")
    client.sign_in("mikko@example.fi")
    form = {"name": "Rakennus Kera Oy", "kind": "contractor", "business_id": "2874105-4", **data}
    response = client.submit("/organisations/new", form, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert message in text(response)
    assert 'value="' + form["name"] + '"' in text(response) if form["name"] else True
    assert organisations() == 0


def test_a_verified_business_id_is_registered_once(
    app: Flask, client: Client, make_user: Any, make_organisation: Any
) -> None:
    existing = make_organisation(verified=True)
    make_user(email="mikko@example.fi")
    client.sign_in("mikko@example.fi")
    response = client.submit(
        "/organisations/new",
        {"name": "Copy Oy", "kind": "business", "business_id": existing.business_id},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "A verified organisation already has this business ID" in text(response)
    assert organisations() == 1


def test_owners_add_members_by_e_mail(
    app: Flask, client: Client, make_user: Any, make_organisation: Any
) -> None:
    owner = make_user(email="owner@example.fi")
    colleague = make_user(email="colleague@example.fi", name="Aino")
    organisation = make_organisation(owner)
    client.sign_in("owner@example.fi")
    response = client.submit(
        f"/organisations/{organisation.id}/members",
        {"email": "Colleague@example.fi", "role": "member"},
    )
    assert response.status_code == 302
    membership = services.membership(organisation.id, colleague)
    assert membership is not None and membership.role == MemberRole.MEMBER
    assert "Aino" in text(client.get(f"/organisations/{organisation.id}"))
    audited = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "organisation", AuditEvent.object_id == organisation.id
        )
    ).all()
    assert "organisation.member_added" in audited


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.fi", "has registered"),
        ("owner@example.fi", "already a member"),
        ("not-an-address", "e-mail address like"),
    ],
)
def test_adding_a_member_explains_refusals(
    app: Flask, client: Client, make_user: Any, make_organisation: Any, email: str, message: str
) -> None:
    owner = make_user(email="owner@example.fi")
    organisation = make_organisation(owner)
    client.sign_in("owner@example.fi")
    response = client.submit(
        f"/organisations/{organisation.id}/members",
        {"email": email, "role": "member"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert message in text(response)
    assert f'value="{email}"' in text(response)


def test_roles_change_and_the_last_owner_stays(
    app: Flask, make_user: Any, make_organisation: Any
) -> None:
    owner, colleague = make_user(), make_user()
    organisation = make_organisation(owner, members=(colleague,))
    with pytest.raises(Conflict):
        services.change_member_role(organisation, owner, owner.id, MemberRole.MEMBER)
    services.change_member_role(organisation, owner, colleague.id, MemberRole.OWNER)
    services.change_member_role(organisation, colleague, owner.id, MemberRole.MEMBER)
    assert services.membership(organisation.id, owner).role == MemberRole.MEMBER  # type: ignore[union-attr]
    with pytest.raises(Forbidden):
        services.change_member_role(organisation, owner, colleague.id, MemberRole.MEMBER)


def test_members_leave_but_the_last_owner_cannot(
    app: Flask, make_user: Any, make_organisation: Any
) -> None:
    owner, colleague, other = make_user(), make_user(), make_user()
    organisation = make_organisation(owner, members=(colleague, other))
    with pytest.raises(Forbidden):
        services.remove_member(organisation, colleague, other.id)
    services.remove_member(organisation, colleague, colleague.id)
    assert services.membership(organisation.id, colleague) is None
    with pytest.raises(Conflict):
        services.remove_member(organisation, owner, owner.id)
    services.remove_member(organisation, owner, other.id)
    remaining = db.session.scalars(
        sa.select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    ).all()
    assert remaining == [owner.id]


def test_outsiders_cannot_see_an_organisation(
    app: Flask, make_user: Any, make_organisation: Any
) -> None:
    organisation = make_organisation()
    with pytest.raises(NotFound):
        services.require_membership(organisation.id, make_user())


def test_owners_edit_name_and_kind(
    app: Flask, client: Client, make_user: Any, make_organisation: Any
) -> None:
    owner = make_user(email="owner@example.fi")
    organisation = make_organisation(owner)
    client.sign_in("owner@example.fi")
    response = client.submit(
        f"/organisations/{organisation.id}/edit", {"name": "Uusi Nimi Oy", "kind": "business"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.name == "Uusi Nimi Oy"
    assert organisation.kind == OrganisationKind.BUSINESS


def test_navigation_shows_the_users_organisation(
    app: Flask, client: Client, make_user: Any, make_organisation: Any
) -> None:
    owner = make_user(email="owner@example.fi", name="Mikko")
    make_organisation(owner, name="Rakennus Kera Oy")
    client.sign_in("owner@example.fi")
    page = text(client.get("/"))
    assert "Rakennus Kera Oy" in page and "Mikko" in page


def test_business_id_examples_from_the_register(app: Flask) -> None:
    assert services.canonical_business_id(business_id())
