"""The audit trail page: admins only, newest first, narrowed by object and by actor, paged,
with each object linked to its page where it has one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from marketplace.admin import audit_trail
from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.models import User, audit
from tests.support import Client, text


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr>")[1:]


def record(actor: User | None, action: str, object_type: str, object_id: int | None) -> None:
    audit.record(actor, action, object_type, object_id, note="by the test")
    db.session.commit()


def test_only_admins_read_the_trail(
    client: Client,
    resident: User,
    moderator: User,
    administrator: User,
    signed_in: Callable[[User], Client],
) -> None:
    assert client.get("/admin/audit").headers["Location"].startswith("/login")
    assert signed_in(resident).get("/admin/audit").status_code == 403
    assert signed_in(moderator).get("/admin/audit").status_code == 403
    assert signed_in(administrator).get("/admin/audit").status_code == 200
    with pytest.raises(Forbidden):
        audit_trail.events(moderator, audit_trail.TrailFilter())


def test_newest_first_with_actor_object_and_details(
    administrator: User, resident: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(administrator)
    record(resident, "test.first", "user", resident.id)
    record(None, "test.second", "search_index", None)
    page = text(browser.get("/admin/audit"))
    listed = rows(page)
    assert "test.second" in listed[0] and "the system" in listed[0]
    assert "search_index" in listed[0] and "note: by the test" in listed[0]
    first = next(row for row in listed if "test.first" in row)
    assert f'<a href="/admin/users/{resident.id}">resident@example.fi</a>' in first
    assert f'<a href="/admin/users/{resident.id}">user #{resident.id}</a>' in first


def test_narrowed_by_object_and_by_actor(
    administrator: User,
    resident: User,
    moderator: User,
    make_listing: Any,
    signed_in: Callable[[User], Client],
) -> None:
    listing = make_listing(owner=resident)
    record(moderator, "test.looked_at", "listing", listing.id)
    record(moderator, "test.looked_at", "listing", listing.id + 100)
    browser = signed_in(administrator)

    by_object = text(browser.get(f"/admin/audit?object_type=listing&object_id={listing.id}"))
    listed = rows(by_object)
    assert listed and all(f"listing #{listing.id}<" in row for row in listed)
    assert f'href="/listings/{listing.id}"' in by_object
    assert f"listing #{listing.id + 100}" not in by_object
    assert '<option value="listing" selected>' in by_object

    by_actor = text(browser.get("/admin/audit?actor=MODERATOR@"))
    listed = rows(by_actor)
    assert listed and all("moderator@example.fi</a></td>" in row for row in listed)
    assert len([row for row in listed if "test.looked_at" in row]) == 2
    assert "No events match." in text(browser.get("/admin/audit?actor=nobody"))
    # An id that is no number narrows nothing rather than failing.
    assert browser.get("/admin/audit?object_id=x1").status_code == 200


def test_paged(administrator: User, signed_in: Callable[[User], Client]) -> None:
    for number in range(audit_trail.PER_PAGE + 5):
        audit.record(administrator, f"test.event_{number:03d}", "thing", number)
    db.session.commit()
    browser = signed_in(administrator)
    first = text(browser.get("/admin/audit?object_type=thing"))
    assert "test.event_054" in first and "test.event_004" not in first
    assert 'href="/admin/audit?page=2&amp;object_type=thing"' in first
    second = text(browser.get("/admin/audit?object_type=thing&page=2"))
    assert "test.event_004" in second and "test.event_054" not in second
    assert "Page 2 of 2" in second
