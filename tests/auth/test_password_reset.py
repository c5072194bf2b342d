from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from marketplace.auth import services
from marketplace.models import Language
from tests.conftest import CollectingHandler
from tests.support import Client, text

NEW = "a brand new password"


def reset_link(handler: CollectingHandler) -> str:
    body = handler.messages[-1].get_content()
    match = re.search(r"https?://\S+/password/reset/\S+", body)
    assert match, body
    return match.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_reset_by_e_mail_link(
    smtp_server: CollectingHandler, app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="anna@example.fi", name="Anna", locale=Language.SV)
    response = client.submit("/password/forgot", {"email": "Anna@example.fi"})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "anna@example.fi"
    assert "Hej Anna" in message.get_content() or "Anna" in message.get_content()
    link = path_of(reset_link(smtp_server))
    assert client.get(link).status_code == 200
    assert client.submit(link, {"password": NEW, "password_again": NEW}).status_code == 302
    client.sign_in("anna@example.fi", NEW)


def test_a_reset_link_works_only_once(
    smtp_server: CollectingHandler, app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="anna@example.fi")
    client.submit("/password/forgot", {"email": "anna@example.fi"})
    link = path_of(reset_link(smtp_server))
    client.submit(link, {"password": NEW, "password_again": NEW})
    again = client.submit(
        link, {"password": "yet another password", "password_again": "yet another password"}
    )
    assert again.status_code == 302
    assert again.headers["Location"] == "/password/forgot"
    client.sign_in("anna@example.fi", NEW)


def test_reset_ends_every_session(
    smtp_server: CollectingHandler,
    app: Flask,
    client: Client,
    new_client: Callable[..., Client],
    make_user: Any,
) -> None:
    make_user(email="anna@example.fi")
    phone = new_client()
    phone.sign_in("anna@example.fi")
    client.submit("/password/forgot", {"email": "anna@example.fi"})
    client.submit(path_of(reset_link(smtp_server)), {"password": NEW, "password_again": NEW})
    assert phone.get("/account").status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_mail(
    smtp_server: CollectingHandler, app: Flask, client: Client, make_user: Any
) -> None:
    response = client.submit("/password/forgot", {"email": "nobody@example.fi"})
    assert response.status_code == 302
    assert smtp_server.messages == []


def test_expired_and_forged_tokens_are_refused(app: Flask, client: Client, make_user: Any) -> None:
    user = make_user(email="anna@example.fi")
    app.config["AUTH_PASSWORD_RESET_MAX_AGE"] = -1
    expired = services.password_reset_token(user)
    response = client.get(f"/password/reset/{expired}", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    follow = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "expired" in text(follow)
    forged = URLSafeTimedSerializer("not our key", salt="password-reset").dumps(
        {"user": user.id, "password": "x"}
    )
    for token in (forged, "garbage", "a" * 500):
        assert client.get(f"/password/reset/{token}").status_code == 302


def test_new_password_must_follow_the_rules(
    smtp_server: CollectingHandler, app: Flask, client: Client, make_user: Any
) -> None:
    make_user(email="anna@example.fi")
    client.submit("/password/forgot", {"email": "anna@example.fi"})
    link = path_of(reset_link(smtp_server))
    response = client.submit(
        link, {"password": "short", "password_again": "short"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert "at least 12" in text(response)


def test_without_smtp_the_mail_is_logged(
    app: Flask, client: Client, make_user: Any, caplog: Any
) -> None:
    make_user(email="anna@example.fi")
    with caplog.at_level("INFO", logger="marketplace.mail.mailer"):
        client.submit("/password/forgot", {"email": "anna@example.fi"})
    assert "/password/reset/" in caplog.text
