from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.auth import services
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Language, User
from tests.support import PASSWORD, Client, text

VALID = {
    "email": "Laura.Korhonen@Example.fi",
    "display_name": "Laura",
    "password": PASSWORD,
    "password_again": PASSWORD,
    "locale": "fi",
    "accept_terms": "y",
}


def users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


def test_registering_creates_a_signed_in_account(app: Flask, client: Client) -> None:
    response = client.submit("/register", VALID)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user is not None
    assert user.email == "laura.korhonen@example.fi"
    assert user.locale == Language.FI
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    account = client.get("/account")
    assert account.status_code == 200
    assert "laura.korhonen@example.fi" in text(account)


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"email": "not-an-address"}, "e-mail address like"),
        ({"password": "short", "password_again": "short"}, "at least 12"),
        ({"password_again": "something else entirely"}, "do not match"),
        ({"display_name": ""}, "required"),
        ({"display_name": "x" * 81}, "80"),
        ({"locale": "de"}, "Choose from the options given"),
    ],
)
def test_invalid_registration_names_the_field_and_writes_nothing(
    app: Flask, client: Client, change: dict[str, str], field_message: str
) -> None:
    response = client.submit("/register", {**VALID, **change}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    page = text(response)
    assert field_message in page
    assert 'aria-invalid="true"' in page
    assert users() == 0


def test_the_form_keeps_what_was_typed(app: Flask, client: Client) -> None:
    response = client.submit("/register", {**VALID, "password_again": "different"})
    page = text(response)
    assert 'value="Laura.Korhonen@Example.fi"' in page
    assert 'value="Laura"' in page
    assert PASSWORD not in page  # passwords are never echoed back


def test_duplicate_email_is_refused_whatever_its_case(
    app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="laura.korhonen@example.fi")
    response = client.submit(
        "/register",
        {**VALID, "email": "LAURA.korhonen@EXAMPLE.fi"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "already exists" in text(response)
    assert users() == 1


def test_service_refuses_a_duplicate(app: Flask, make_user: Any) -> None:
    make_user(email="a@example.fi")
    with pytest.raises(ValidationError) as raised:
        services.create_user("A@example.fi", "A", PASSWORD)
    assert raised.value.field == "email"


def test_signed_in_users_are_sent_home_from_register(
    app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="a@example.fi")
    client.sign_in("a@example.fi")
    assert client.get("/register").status_code == 302
