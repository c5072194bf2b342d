from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from tests.support import PASSWORD, Client, text


def test_sign_in_and_out(app: Flask, client: Client, make_user: Any) -> None:
    make_user(email="mikko@example.fi", name="Mikko")
    response = client.submit("/login", {"email": "MIKKO@example.fi", "password": PASSWORD})
    assert response.status_code == 302
    assert "Mikko" in text(client.get("/"))
    assert client.submit("/logout").status_code == 302
    assert client.get("/account").status_code == 302


def test_wrong_password_and_unknown_account_read_the_same(
    app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="mikko@example.fi")
    wrong = client.submit(
        "/login",
        {"email": "mikko@example.fi", "password": "wrong password!"},
        headers={"Accept-Language": "en"},
    )
    unknown = client.submit(
        "/login",
        {"email": "nobody@example.fi", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert wrong.status_code == unknown.status_code == 422
    assert "Wrong e-mail address or password." in text(wrong)
    assert "Wrong e-mail address or password." in text(unknown)


def test_suspended_accounts_cannot_sign_in(app: Flask, client: Client, make_user: Any) -> None:
    user = make_user(email="mikko@example.fi")
    user.active = False
    db.session.commit()
    response = client.submit(
        "/login",
        {"email": "mikko@example.fi", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "suspended" in text(response)


def test_suspending_ends_existing_sessions(app: Flask, client: Client, make_user: Any) -> None:
    user = make_user(email="mikko@example.fi")
    client.sign_in("mikko@example.fi")
    user.active = False
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_next_parameter_only_leads_within_the_site(
    app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="mikko@example.fi")
    inside = client.submit(
        "/login?next=/sites/", {"email": "mikko@example.fi", "password": PASSWORD}
    )
    assert inside.headers["Location"] == "/sites/"
    client.submit("/logout")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        outside = client.submit(
            f"/login?next={target}", {"email": "mikko@example.fi", "password": PASSWORD}
        )
        assert outside.headers["Location"] == "/"
        client.submit("/logout")


def test_protected_pages_redirect_to_sign_in(client: Client) -> None:
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_ins_are_audited(app: Flask, client: Client, make_user: Any) -> None:
    user = make_user(email="mikko@example.fi")
    client.sign_in("mikko@example.fi")
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == user.id)
    ).all()
    assert "user.signed_in" in actions


def test_old_hashes_are_upgraded_on_sign_in(app: Flask, client: Client, make_user: Any) -> None:
    from argon2 import PasswordHasher

    user = make_user(email="mikko@example.fi")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    db.session.commit()
    client.sign_in("mikko@example.fi")
    db.session.expire_all()
    upgraded = db.session.get(User, user.id)
    assert upgraded is not None and "m=8192" not in upgraded.password_hash
