"""The dashboard reports search index drift as `flask search check` does, when asked, and an
admin can mend it; the repair is audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import AuditEvent, Listing, User
from marketplace.search.indexing import extension
from tests.admin.conftest import dashboard, part
from tests.support import Client, text

pytestmark = pytest.mark.search


def settle(app: Flask) -> None:
    assert extension(app).sync.drain(timeout=30)


def test_the_check_runs_only_when_asked(
    app: Flask,
    moderator: User,
    signed_in: Callable[[User], Client],
    make_listing: Callable[..., Listing],
) -> None:
    make_listing()
    settle(app)
    browser = signed_in(moderator)
    assert "Searchable listings" not in part(dashboard(browser), "search-index")
    checked = part(text(browser.get("/admin/?search_check=1")), "search-index")
    assert "Searchable listings: 1" in checked
    assert "The index agrees with the database." in checked
    # Moderators see the drift; only admins get the repair button.
    assert "Re-index them" not in checked


def test_an_admin_repairs_the_drift_and_it_is_audited(
    app: Flask,
    administrator: User,
    signed_in: Callable[[User], Client],
    make_listing: Callable[..., Listing],
) -> None:
    stale = make_listing(title="Vanhentunut")
    settle(app)
    # Changed behind the ORM's back, so the index never hears of it.
    db.session.execute(
        sa.text("UPDATE listings SET title = 'Uusi nimi' WHERE id = :id"), {"id": stale.id}
    )
    db.session.commit()
    browser = signed_in(administrator)
    checked = part(text(browser.get("/admin/?search_check=1")), "search-index")
    assert "Indexed with old data: 1" in checked
    assert f"Listings out of step: {stale.id}" in checked
    response = browser.submit("/admin/search/repair")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/?search_check=1"
    settle(app)
    after = text(browser.get("/admin/?search_check=1"))
    assert "1 listing was re-indexed." in after
    assert "The index agrees with the database." in part(after, "search-index")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "search_index.repaired")
    ).one()
    assert (event.actor_id, event.object_type) == (administrator.id, "search_index")
    assert event.details == {"missing": 0, "stale": 1, "extra": 0}
