from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import Site
from marketplace.sites import services
from marketplace.sites.services import SiteDetails
from tests.conftest import KERA
from tests.support import Client, text

FORM = {
    "owner": "",
    "name": "Koti",
    "address": "Tapionraitti 12",
    "postal_code": "02100",
    "city": "Espoo",
    "latitude": "60,1757",
    "longitude": "24.8049",
    "active_from": "",
    "active_until": "",
}


def sites() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Site)) or 0


def test_a_resident_adds_a_home_site(app: Flask, client: Client, make_user: Any) -> None:
    user = make_user(email="laura@example.fi")
    client.sign_in("laura@example.fi")
    response = client.submit("/sites/new", FORM)
    assert response.status_code == 302
    site = db.session.scalar(sa.select(Site))
    assert site is not None
    assert site.user_id == user.id and site.organisation_id is None
    assert site.latitude == pytest.approx(60.1757)  # the decimal comma was understood
    assert "Tapionraitti 12" in text(client.get("/sites/"))


def test_a_member_adds_a_site_for_the_organisation(
    app: Flask, client: Client, make_user: Any, make_organisation: Any
) -> None:
    owner = make_user()
    member = make_user(email="aino@example.fi")
    organisation = make_organisation(owner, members=(member,))
    client.sign_in("aino@example.fi")
    form = {
        **FORM,
        "owner": str(organisation.id),
        "name": "Kera työmaa",
        "active_from": "2026-03-01",
        "active_until": "2027-08-31",
    }
    response = client.submit(f"/sites/new?organisation={organisation.id}", form)
    assert response.status_code == 302
    site = db.session.scalar(sa.select(Site))
    assert site is not None and site.organisation_id == organisation.id and site.user_id is None
    assert site.active_until == date(2027, 8, 31)
    assert "Kera työmaa" in text(client.get(f"/organisations/{organisation.id}"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"latitude": "91"}, "between -90 and 90"),
        ({"longitude": "-181"}, "between -180 and 180"),
        ({"latitude": "north"}, "Enter a number"),
        ({"postal_code": "2100"}, "five digits"),
        ({"active_from": "2027-01-01", "active_until": "2026-01-01"}, "before the start"),
        ({"active_until": "31.8.2027"}, "Give the date as YYYY-MM-DD"),
        ({"name": ""}, "required"),
    ],
)
def test_invalid_sites_name_the_field_and_keep_the_input(
    app: Flask, client: Client, make_user: Any, change: dict[str, str], message: str
) -> None:
    make_user(email="laura@example.fi")
    client.sign_in("laura@example.fi")
    response = client.submit("/sites/new", {**FORM, **change}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert message in text(response)
    assert 'value="Tapionraitti 12"' in text(response)
    assert sites() == 0


def test_cannot_add_a_site_for_someone_elses_organisation(
    app: Flask, client: Client, make_user: Any, make_organisation: Any
) -> None:
    organisation = make_organisation()
    make_user(email="laura@example.fi")
    client.sign_in("laura@example.fi")
    response = client.submit("/sites/new", {**FORM, "owner": str(organisation.id)})
    assert response.status_code == 422
    assert sites() == 0


def test_service_checks_details(app: Flask, make_user: Any) -> None:
    user = make_user()
    for details, field in [
        (SiteDetails("x", "a", "02100", "Espoo", 95.0, 24.0), "latitude"),
        (SiteDetails("x", "a", "02100", "Espoo", 60.0, 200.0), "longitude"),
        (SiteDetails("x", "a", "ABCDE", "Espoo", 60.0, 24.0), "postal_code"),
        (SiteDetails("  ", "a", "02100", "Espoo", 60.0, 24.0), "name"),
        (
            SiteDetails("x", "a", "02100", "Espoo", 60.0, 24.0, date(2027, 1, 1), date(2026, 1, 1)),
            "active_until",
        ),
    ]:
        with pytest.raises(ValidationError) as raised:
            services.create_site(user, details)
        assert raised.value.field == field
    assert sites() == 0


def test_the_database_refuses_impossible_sites(app: Flask, make_user: Any) -> None:
    user = make_user()
    db.session.add(
        Site(
            user=user,
            name="x",
            address="a",
            postal_code="02100",
            city="Espoo",
            latitude=123.0,
            longitude=24.0,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_editing_and_removing_a_site(
    app: Flask, client: Client, make_user: Any, make_site: Any
) -> None:
    user = make_user(email="laura@example.fi")
    site = make_site(user)
    client.sign_in("laura@example.fi")
    assert client.get(f"/sites/{site.id}/edit").status_code == 200
    response = client.submit(f"/sites/{site.id}/edit", {**FORM, "name": "Uusi nimi"})
    assert response.status_code == 302
    db.session.expire_all()
    assert site.name == "Uusi nimi" and site.user_id == user.id
    assert client.submit(f"/sites/{site.id}/delete").status_code == 302
    assert sites() == 0


def test_nobody_else_manages_a_site(
    app: Flask, make_user: Any, make_site: Any, make_organisation: Any
) -> None:
    owner, stranger, colleague = make_user(), make_user(), make_user()
    organisation = make_organisation(owner, members=(colleague,))
    personal = make_site(owner)
    shared = make_site(owner, organisation)
    with pytest.raises(NotFound):
        services.get_manageable_site(personal.id, stranger)
    with pytest.raises(NotFound):
        services.get_manageable_site(personal.id, colleague)
    with pytest.raises(NotFound):
        services.update_site(shared, stranger, KERA)
    assert services.get_manageable_site(shared.id, colleague) == shared
    assert services.usable_sites(colleague) == [shared]
