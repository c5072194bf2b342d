"""Alerts end to end through a real SMTP server: one alert per new listing and saved search,
whatever runs twice, crashes, or runs at the same time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.alerts import services
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import (
    AlertedListing,
    AlertFrequency,
    Language,
    Listing,
    Notification,
    SavedSearch,
    User,
)
from tests.conftest import CollectingHandler
from tests.support import Client

pytestmark = pytest.mark.search

SEARCH = {"q": "tiiliä", "postal_code": "02650", "radius_km": "10"}


def alerts_of(user: User) -> list[Notification]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == "saved_search_alert")
            .order_by(Notification.id)
        )
    )


def alerted() -> list[tuple[int, int]]:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(AlertedListing.saved_search_id, AlertedListing.listing_id).order_by(
            AlertedListing.id
        )
    )
    return [(row.saved_search_id, row.listing_id) for row in rows]


def test_a_resident_gets_one_alert_for_bricks_near_kera(
    smtp_server: CollectingHandler,
    client: Client,
    app: Flask,
    resident: User,
    offer: Callable[..., Listing],
) -> None:
    """The issue's journey: a resident saves a search for bricks near Kera, a contractor
    lists bricks, and the resident gets one alert."""
    client.sign_in("resident@example.fi")
    client.submit(
        "/saved-searches/new",
        {
            "query": "q=tiiliä&postal_code=02650&radius_km=10",
            "name": "Tiiliä Keralta",
            "frequency": "instant",
            "by_email": "y",
        },
    )
    bricks = offer()
    [message] = smtp_server.messages
    assert message["To"] == "resident@example.fi"
    assert "Tiiliä Keralta" in message["Subject"]
    body = message.get_content()
    assert bricks.title in body and f"/listings/{bricks.id}" in body
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/saved-searches/unsubscribe/" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in body
    [notice] = alerts_of(resident)
    assert notice.data["listings"] == [{"id": bricks.id, "title": bricks.title}]
    assert "/listings/?q=" in client.get("/notifications").get_data(as_text=True)
    # The job finds nothing more to say.
    result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.output.strip().splitlines()[-1] == "announced 0 listings"
    assert len(smtp_server.messages) == 1 and len(alerts_of(resident)) == 1


def test_each_alert_is_in_its_readers_language(
    smtp_server: CollectingHandler,
    app: Flask,
    make_user: Callable[..., User],
    offer: Callable[..., Listing],
) -> None:
    readers = {
        "erik@example.fi": (Language.SV, "Hej Erik,"),
        "aino@example.fi": (Language.FI, "Hei Aino,"),
        "sam@example.fi": (Language.EN, "Hello Sam,"),
    }
    for email, (language, greeting) in readers.items():
        reader = make_user(email=email, name=greeting.split()[1].rstrip(","), locale=language)
        services.create_saved_search(reader, SEARCH, "Tiiliä", AlertFrequency.INSTANT)
    bricks = offer()
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(readers)
    for message in smtp_server.messages:
        body = message.get_content()
        assert body.startswith(readers[message["To"]][1]), body
        assert f"/listings/{bricks.id}" in body


def test_listings_that_do_not_match_or_are_old_or_own_are_not_announced(
    app: Flask,
    resident: User,
    offer: Callable[..., Listing],
    category: Callable[[str], Any],
    make_listing: Callable[..., Listing],
    resident_home: Any,
) -> None:
    old = offer()
    services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.INSTANT)
    offer(title="Sähköpöydät", category_id=category("sit-stand-desks").id)
    make_listing(owner=resident, site=resident_home)  # their own bricks
    assert services.send_due() == 0
    assert alerts_of(resident) == [] and old.id not in [lid for _, lid in alerted()]


def test_daily_and_weekly_alerts_wait_for_their_time(
    app: Flask, resident: User, offer: Callable[..., Listing]
) -> None:
    daily = services.create_saved_search(resident, SEARCH, "Päivittäin", AlertFrequency.DAILY)
    weekly = services.create_saved_search(resident, SEARCH, "Viikoittain", AlertFrequency.WEEKLY)
    bricks = offer()
    now = utcnow()
    assert services.send_due(now) == 0  # saved just now: neither is due
    assert services.send_due(now + timedelta(days=1)) == 1
    assert alerted() == [(daily.id, bricks.id)]
    assert services.send_due(now + timedelta(days=1, minutes=1)) == 0
    assert services.send_due(now + timedelta(days=7)) == 1
    assert alerted() == [(daily.id, bricks.id), (weekly.id, bricks.id)]
    [first, second] = alerts_of(resident)
    assert (first.data["title"], second.data["title"]) == ("Päivittäin", "Viikoittain")


def test_two_runs_announce_nothing_twice(
    smtp_server: CollectingHandler, app: Flask, resident: User, offer: Callable[..., Listing]
) -> None:
    services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.DAILY)
    offer()
    later = utcnow() + timedelta(days=1)
    assert services.send_due(later) == 1
    assert services.send_due(later + timedelta(days=1)) == 0
    assert len(alerts_of(resident)) == 1 and len(smtp_server.messages) == 1


class Crash(BaseException):
    """Not an Exception: like a killed process, nothing in the run catches it."""


def test_a_run_that_crashes_halfway_resumes_without_sending_twice(
    smtp_server: CollectingHandler,
    app: Flask,
    resident: User,
    make_user: Callable[..., User],
    offer: Callable[..., Listing],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    neighbour = make_user(email="neighbour@example.fi")
    first = services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.DAILY)
    second = services.create_saved_search(neighbour, SEARCH, "Tiilet", AlertFrequency.DAILY)
    bricks = offer()
    real_notify = services._notify
    calls: list[int] = []

    def crash_on_the_second(saved: SavedSearch, found: Any) -> None:
        calls.append(saved.id)
        real_notify(saved, found)
        if saved.id == second.id:
            raise Crash

    monkeypatch.setattr(services, "_notify", crash_on_the_second)
    later = utcnow() + timedelta(days=1)
    with pytest.raises(Crash):
        services.send_due(later)
    db.session.rollback()  # what the dying process's connection does
    assert alerted() == [(first.id, bricks.id)]
    monkeypatch.setattr(services, "_notify", real_notify)
    assert services.send_due(later + timedelta(minutes=5)) == 1
    assert alerted() == [(first.id, bricks.id), (second.id, bricks.id)]
    assert len(alerts_of(resident)) == 1 and len(alerts_of(neighbour)) == 1
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "neighbour@example.fi",
        "resident@example.fi",
    ]


def test_two_runners_at_once_announce_each_listing_once(
    app: Flask, resident: User, offer: Callable[..., Listing]
) -> None:
    saved_id = services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.DAILY).id
    offer()
    db.session.commit()  # the test's own session holds no transaction while they run
    later = utcnow() + timedelta(days=1)
    start = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        with app.app_context():
            start.wait()
            results.append(services.check(saved_id, later))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1]
    assert len(alerts_of(resident)) == 1 and len(alerted()) == 1


def test_alerts_in_the_app_only_after_unsubscribing(
    smtp_server: CollectingHandler, app: Flask, resident: User, offer: Callable[..., Listing]
) -> None:
    services.create_saved_search(resident, SEARCH, "Tiiliä", AlertFrequency.INSTANT, by_email=False)
    offer()
    [notice] = alerts_of(resident)
    assert notice.emailed_at is not None and smtp_server.messages == []
