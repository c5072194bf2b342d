"""Sign-in and reset attempts are limited per IP address and per account, answering 429 with
Retry-After, without locking the real user out from elsewhere."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.support import PASSWORD, Client


def fail_sign_in(client: Client, email: str) -> int:
    return client.submit("/login", {"email": email, "password": "wrong password"}).status_code


def test_repeated_failures_for_one_account_are_throttled(
    app: Flask, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="target@example.fi")
    attacker = new_client("203.0.113.5")
    statuses = [fail_sign_in(attacker, "target@example.fi") for _ in range(6)]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    blocked = attacker.submit("/login", {"email": "target@example.fi", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


def test_the_real_user_elsewhere_is_not_locked_out(
    app: Flask, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="target@example.fi")
    attacker = new_client("203.0.113.5")
    for _ in range(6):
        fail_sign_in(attacker, "target@example.fi")
    owner = new_client("198.51.100.7")
    owner.sign_in("target@example.fi")
    assert owner.get("/account").status_code == 200


def test_successful_sign_ins_do_not_count_against_the_account(
    app: Flask, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="me@example.fi")
    browser = new_client()
    for _ in range(7):
        browser.sign_in("me@example.fi")
        browser.submit("/logout")


def test_one_address_trying_many_accounts_is_throttled(
    app: Flask, new_client: Callable[..., Client]
) -> None:
    app.config["RATELIMIT_LOGIN_PER_IP"] = "10/minute"
    sprayer = new_client("203.0.113.9")
    statuses = [fail_sign_in(sprayer, f"user{n}@example.fi") for n in range(11)]
    assert statuses[-1] == 429
    assert 429 not in statuses[:10]


def test_password_reset_requests_are_limited_per_account(
    app: Flask, new_client: Callable[..., Client], make_user: Any
) -> None:
    make_user(email="target@example.fi")
    statuses = [
        new_client(f"203.0.113.{n}")
        .submit("/password/forgot", {"email": "target@example.fi"})
        .status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_429_is_a_readable_page(app: Flask, new_client: Callable[..., Client]) -> None:
    app.config["RATELIMIT_LOGIN_PER_IP"] = "1/minute"
    browser = new_client()
    fail_sign_in(browser, "a@example.fi")
    response = browser.submit(
        "/login", {"email": "a@example.fi", "password": "x"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set")
def test_limits_are_shared_through_redis(app_config: dict[str, Any], make_user: Any) -> None:
    """With RATELIMIT_STORAGE_URI pointing at Redis, two app processes share one count."""
    import redis

    from marketplace import create_app
    from marketplace.extensions import db

    url = os.environ["TEST_REDIS_URL"]
    # Its own key prefix: parallel test workers share the Redis database.
    prefix = f"test-{uuid.uuid4().hex}"
    app_config.update(
        {
            "RATELIMIT_STORAGE_URI": url,
            "RATELIMIT_LOGIN_PER_IP": "3/minute",
            "RATELIMIT_KEY_PREFIX": prefix,
        }
    )
    first, second = create_app(app_config), create_app(app_config)
    statuses = []
    for app in (first, second, first, second):
        app.test_client_class = Client
        statuses.append(fail_sign_in(app.test_client(), "a@example.fi"))  # type: ignore[arg-type]
    assert statuses == [422, 422, 422, 429]
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()
    store = redis.Redis.from_url(url)
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)
