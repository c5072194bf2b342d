"""The console refuses whoever may not use it: sign-in first, then 403 for the wrong role."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from marketplace.models import User
from tests.support import Client, text


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_residents_get_the_403_page(resident: User, signed_in: Callable[[User], Client]) -> None:
    response = signed_in(resident).get("/admin/")
    assert response.status_code == 403
    assert "No access" in text(response)
    assert "Admin console" not in text(response)


@pytest.mark.parametrize("role", ["moderator", "administrator"])
def test_moderators_and_admins_see_the_dashboard(
    role: str, request: pytest.FixtureRequest, signed_in: Callable[[User], Client]
) -> None:
    user: User = request.getfixturevalue(role)
    browser = signed_in(user)
    page = text(browser.get("/admin/"))
    assert "<h1>Admin console</h1>" in page
    assert 'href="/admin/" aria-current="page">Dashboard</a>' in page
    # The way in: the account menu of every page.
    assert 'href="/admin/">Admin console</a>' in text(browser.get("/"))


def test_the_menu_offers_residents_no_console(
    resident: User, signed_in: Callable[[User], Client]
) -> None:
    assert "/admin/" not in text(signed_in(resident).get("/"))


def test_only_admins_may_repair_the_search_index(
    client: Client,
    resident: User,
    moderator: User,
    signed_in: Callable[[User], Client],
) -> None:
    assert client.submit("/admin/search/repair").status_code == 302
    for user in (resident, moderator):
        browser = signed_in(user)
        assert browser.submit("/admin/search/repair").status_code == 403
