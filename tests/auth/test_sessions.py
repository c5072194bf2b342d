"""Sessions: rotated at sign-in, and dead everywhere they should be after sign-out or a
password change, even for a copied cookie."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import SignIn
from tests.support import PASSWORD, Client

SESSION = "kera_session"
REMEMBER = "kera_remember"
NEW_PASSWORD = "another long password"


def copy_cookie(source: Client, target: Client, name: str = SESSION) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None
    target.set_cookie(name, cookie.value)


def signed_in(client: Client) -> bool:
    return client.get("/account").status_code == 200


def test_session_is_replaced_at_sign_in(
    app: Flask, client: Client, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="a@example.fi")
    token_before = client.csrf_token()
    planted = new_client()
    copy_cookie(client, planted)  # a session fixed by someone else before the victim signs in
    client.sign_in("a@example.fi")
    assert signed_in(client)
    assert not signed_in(planted)
    assert client.csrf_token() != token_before


def test_a_copied_cookie_dies_at_sign_out(
    app: Flask, client: Client, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="a@example.fi")
    client.sign_in("a@example.fi")
    thief = new_client("10.0.0.9")
    copy_cookie(client, thief)
    assert signed_in(thief)
    client.submit("/logout")
    assert not signed_in(client)
    assert not signed_in(thief)


def test_password_change_signs_out_other_devices_but_not_this_one(
    app: Flask, client: Client, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="a@example.fi")
    phone = new_client()
    client.sign_in("a@example.fi")
    phone.sign_in("a@example.fi")
    copied = new_client()
    copy_cookie(client, copied)
    response = client.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(phone)
    assert not signed_in(copied)
    client.submit("/logout")
    assert (
        client.submit("/login", {"email": "a@example.fi", "password": PASSWORD}).status_code == 422
    )
    client.sign_in("a@example.fi", NEW_PASSWORD)


def test_password_change_needs_the_current_password(
    app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="a@example.fi")
    client.sign_in("a@example.fi")
    response = client.submit(
        "/account/password",
        {
            "current_password": "not the password",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "current password is not right" in response.get_data(as_text=True)
    assert signed_in(client)


def test_sign_out_everywhere_keeps_this_device(
    app: Flask, client: Client, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="a@example.fi")
    laptop = new_client()
    client.sign_in("a@example.fi")
    laptop.sign_in("a@example.fi")
    assert client.submit("/account/sign-out-everywhere").status_code == 302
    assert signed_in(client)
    assert not signed_in(laptop)


def test_remember_me_survives_the_browser_session_until_sign_out(
    app: Flask, client: Client, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="a@example.fi")
    response = client.sign_in("a@example.fi", remember="y")
    cookie_header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(REMEMBER)
    )
    assert "HttpOnly" in cookie_header and "SameSite=Lax" in cookie_header
    reopened = new_client()  # the browser restarted: only the remember cookie is left
    copy_cookie(client, reopened, REMEMBER)
    assert signed_in(reopened)
    client.submit("/logout")
    stale = new_client()
    copy_cookie(reopened, stale, REMEMBER)
    assert not signed_in(stale)


def test_without_remember_me_no_remember_cookie(app: Flask, client: Client, make_user: Any) -> None:
    make_user(email="a@example.fi")
    client.sign_in("a@example.fi")
    assert client.get_cookie(REMEMBER) is None


def test_expired_sign_ins_are_refused(app: Flask, client: Client, make_user: Any) -> None:
    make_user(email="a@example.fi")
    client.sign_in("a@example.fi")
    db.session.execute(sa.update(SignIn).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert not signed_in(client)


def test_only_digests_of_session_tokens_are_stored(
    app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="a@example.fi")
    client.sign_in("a@example.fi")
    with client.session_transaction() as session:
        token = session["_user_id"]
    digests = db.session.scalars(sa.select(SignIn.token_digest)).all()
    assert token not in digests
    assert len(digests) == 1 and len(digests[0]) == 64
