"""People of every role, and clients signed in as them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask

from marketplace.models import Role, User
from tests.support import Client, text


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(email="resident@example.fi", name="Resident")


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    return make_user(email="moderator@example.fi", name="Moderator", role=Role.MODERATOR)


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(email="admin@example.fi", name="Administrator", role=Role.ADMIN)


@pytest.fixture
def signed_in(app: Flask) -> Callable[[User], Client]:
    """A browser of its own, signed in as the given person."""

    def sign_in(user: User) -> Client:
        browser: Client = app.test_client()  # type: ignore[assignment]
        browser.sign_in(user.email)
        return browser

    return sign_in


def part(page: str, element_id: str) -> str:
    """The <article> (or <section>) with this id, as text, for assertions about one card."""
    found = re.search(rf'<(article|section) id="{element_id}">(.*?)</\1>', page, re.S)
    assert found, f"no element #{element_id} on the page"
    return re.sub(r"\s+", " ", found.group(2))


def dashboard(browser: Client) -> str:
    response = browser.get("/admin/")
    assert response.status_code == 200
    return text(response)
