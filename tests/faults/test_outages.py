"""When PostgreSQL or Redis fails: clean 503s (a page in the visitor's language, problem+json
on the API) made without the database, answers within the timeouts while a server hangs,
finished pages that stay finished, rate limits in memory without Redis, one log line when an
outage starts and one when it ends, and recovery without a restart."""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask, request
from werkzeug.test import TestResponse

from marketplace.extensions import db, login_manager
from marketplace.models import Language, User
from marketplace.ops import jobs
from marketplace.partners import keys, sync_bulk
from tests.faults.conftest import TEST_REDIS_URL, down, postgres_only
from tests.faults.proxy import FaultyProxy
from tests.partners.fixtures import Api, PartnerHandle, rental_item, sale_item
from tests.support import Client, text

# The 503 page's message in each language (web.error_responses.DESCRIPTIONS[503]).
BUSY = {
    "fi": "Palvelu on kiireinen. Yritä hetken kuluttua uudelleen.",
    "sv": "Tjänsten är upptagen. Försök igen om en stund.",
    "en": "The service is busy. Please try again in a moment.",
}


def outage_lines(caplog: pytest.LogCaptureFixture, dependency: str) -> tuple[int, int]:
    """How many times the outage of `dependency` was logged as starting, and as ending."""
    messages = [record.getMessage() for record in caplog.records]
    started = sum(message.startswith(f"{dependency} unreachable: ") for message in messages)
    ended = sum(message.startswith(f"{dependency} reachable again after ") for message in messages)
    return started, ended


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


def assert_unavailable_page(response: TestResponse, language: str) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/html"
    page = text(response)
    assert BUSY[language] in page and f'<html lang="{language}">' in page


def eventually(check: Callable[[], bool], within: float) -> float:
    """Seconds until `check` holds, trying every tenth of a second for `within` seconds."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            pytest.fail(f"not within {within} s")
        time.sleep(0.1)
    return time.monotonic() - started


# The database refused


@postgres_only
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_refused_database_gives_anonymous_visitors_a_503_page_in_their_language(
    outage_app: Flask,
    client: Client,
    database_proxy: FaultyProxy,
    caplog: pytest.LogCaptureFixture,
    language: str,
) -> None:
    assert client.get("/").status_code == 200
    down(database_proxy)
    caplog.set_level(logging.INFO)
    # Pages that need the database; the sign-in form, for one, does not.
    for path in ("/", "/listings/1"):
        response = client.get(path, headers={"Accept-Language": language})
        assert_unavailable_page(response, language)
    assert outage_lines(caplog, "database") == (1, 0)
    assert tracebacks(caplog) == []


@postgres_only
def test_signed_in_people_get_the_page_in_their_language_without_their_user_row(
    outage_app: Flask,
    client: Client,
    database_proxy: FaultyProxy,
    make_user: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
) -> None:
    make_user(email="erik@example.fi", locale=Language.SV)
    client.sign_in("erik@example.fi")
    assert "Logga ut" in text(client.get("/"))
    db.session.close()
    loads: list[str] = []
    load_user = login_manager._user_callback
    login_manager._user_callback = lambda token: loads.append(token) or load_user(token)
    down(database_proxy)
    caplog.set_level(logging.INFO)
    try:
        # The browser asks for English; the person chose Swedish, and the session says so.
        response = client.get("/listings/1", headers={"Accept-Language": "en"})
        # Other error pages, too, are made without the database while it is down.
        missing = client.get("/no-such-page", headers={"Accept-Language": "en"})
    finally:
        login_manager._user_callback = load_user
    assert_unavailable_page(response, "sv")
    assert missing.status_code == 404 and "Sidan hittades inte" in text(missing)
    # Loading the person failed once, and no error page asked again.
    assert len(loads) == 1
    assert outage_lines(caplog, "database") == (1, 0)
    assert tracebacks(caplog) == []
    database_proxy.set("forward")
    # Still signed in once the database is back (within UNAVAILABLE_RECHECK_SECONDS).
    eventually(lambda: "Logga ut" in text(client.get("/")), within=3)


@postgres_only
def test_the_api_answers_problem_json_with_retry_after(
    outage_app: Flask,
    database_proxy: FaultyProxy,
    api: Api,
    partner: PartnerHandle,
) -> None:
    assert api.get("/inventory", partner.key).status_code == 200
    db.session.close()
    down(database_proxy)
    for response in (
        api.get("/inventory", partner.key, headers={"Accept-Language": "fi"}),
        api.get("/categories"),
        api.put("/inventory/SCAF-1", partner.key, body={"title": "x"}),
    ):
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"] == "30"
        problem = response.get_json()
        assert problem["status"] == 503 and problem["errors"] == []
    assert response.headers["Content-Language"] == "en"


@postgres_only
def test_after_the_outage_everything_works_again_without_a_restart(
    outage_app: Flask,
    client: Client,
    database_proxy: FaultyProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    assert client.get("/").status_code == 200
    down(database_proxy)
    for _ in range(5):
        assert client.get("/").status_code == 503
    database_proxy.set("forward")
    took = eventually(lambda: client.get("/").status_code == 200, within=3)
    assert took < 3
    assert outage_lines(caplog, "database") == (1, 1)
    assert tracebacks(caplog) == []


# The database hung


@postgres_only
def test_a_stalled_database_is_answered_within_the_timeouts(
    outage_app: Flask,
    client: Client,
    database_proxy: FaultyProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A hung server keeps its sockets open and says nothing. A request that meets it gives
    up within the ping of a pooled connection plus the opening of a new one (2 s each here);
    for a second after that, requests are answered at once, and then one tries again."""
    caplog.set_level(logging.INFO)
    assert client.get("/").status_code == 200
    database_proxy.set("stall")

    def timed() -> float:
        started = time.monotonic()
        response = client.get("/", headers={"Accept-Language": "en"})
        assert_unavailable_page(response, "en")
        return time.monotonic() - started

    assert 1 < timed() < 6
    assert max(timed() for _ in range(3)) < 0.5
    time.sleep(1)  # UNAVAILABLE_RECHECK_SECONDS
    assert 1 < timed() < 6
    database_proxy.set("forward")
    eventually(lambda: client.get("/").status_code == 200, within=3)
    assert outage_lines(caplog, "database") == (1, 1)
    assert tracebacks(caplog) == []


@postgres_only
def test_a_statement_past_its_timeout_is_a_503_not_an_outage(
    outage_app: Flask,
    client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    @outage_app.get("/slow")
    def slow() -> str:
        db.session.execute(sa.text("SELECT pg_sleep(5)"))
        return "done"

    caplog.set_level(logging.INFO)
    started = time.monotonic()
    response = client.get("/slow", headers={"Accept-Language": "en"})
    assert time.monotonic() - started < 4  # the statement timeout is 2 s
    assert_unavailable_page(response, "en")
    assert outage_lines(caplog, "database") == (0, 0)
    assert any("database busy on GET /slow" in r.getMessage() for r in caplog.records)
    assert client.get("/").status_code == 200


# The connection lost after the page was made


@postgres_only
def test_a_connection_lost_after_the_page_was_made_still_delivers_the_page(
    outage_app: Flask,
    client: Client,
    database_proxy: FaultyProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    @outage_app.after_request
    def cut_when_asked(response: Any) -> Any:
        if request.args.get("cut"):
            database_proxy.cut()  # the session still holds its connection, in a transaction
        return response

    caplog.set_level(logging.INFO)
    response = client.get("/?cut=1", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Give leftover building materials a second life" in text(response)
    assert tracebacks(caplog) == []
    assert client.get("/").status_code == 200


# Job runners


@postgres_only
def test_a_job_round_without_the_database_logs_once_and_backs_off(
    outage_app: Flask, database_proxy: FaultyProxy, caplog: pytest.LogCaptureFixture
) -> None:
    db.session.close()
    caplog.set_level(logging.INFO)
    down(database_proxy)
    report = jobs.run_once(outage_app)
    # The first duty found the database down; the others were not tried.
    assert list(report.values()) == [-1]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            database_proxy.set("forward")

    jobs.run_forever(outage_app, interval=60, rounds=5, sleep=sleep)
    # 1, 2, 2 s while the database is down; then the usual interval, less the round's time.
    assert waits[:3] == [1.0, 2.0, 2.0]
    assert 50 < waits[3] <= 60
    assert outage_lines(caplog, "database") == (1, 1)
    assert tracebacks(caplog) == []
    after = jobs.run_once(outage_app)
    assert len(after) == len(jobs.duties(outage_app)) and -1 not in after.values()


def test_the_backoff_never_exceeds_the_interval_nor_two_seconds(app: Flask) -> None:
    from marketplace.core import outages

    tracker = outages.of(app)
    tracker.noticed("database", "test")
    waits: list[float] = []
    jobs.duties(app).clear()
    jobs.run_forever(app, interval=5, rounds=4, sleep=waits.append)
    assert waits == [1.0, 2.0, 2.0]
    waits.clear()
    jobs.run_forever(app, interval=1.5, rounds=3, sleep=waits.append)
    assert waits == [1.0, 1.5]


# The health check


@postgres_only
def test_the_health_check_names_what_is_down(
    outage_app: Flask, client: Client, database_proxy: FaultyProxy
) -> None:
    outage_app.config["HEALTHZ_TOKEN"] = "operator-token"
    operator = {"Authorization": "Bearer operator-token"}
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    healthy = client.get("/healthz", headers=operator)
    assert healthy.status_code == 200 and healthy.get_json()["down"] == []
    db.session.close()
    down(database_proxy)
    sick = client.get("/healthz", headers=operator)
    assert sick.status_code == 503
    body = sick.get_json()
    assert body["status"] == "error" and "database" in body["down"]
    assert body["database"]["status"] == "error" and body["database"]["detail"]
    assert client.get("/healthz").get_json() == {"status": "error"}


# Redis, where rate limits are counted


@pytest.mark.parametrize("mode", ["refuse", "stall"])
def test_sign_in_and_the_partner_api_work_without_redis(
    limited_app: Flask,
    redis_proxy: FaultyProxy,
    client: Client,
    api: Api,
    partner: PartnerHandle,
    make_user: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    make_user(email="anna@example.fi")
    assert api.get("/inventory", partner.key).status_code == 200
    # Other tests count in the same Redis database: this key's counts are named by its digest.
    counts = redis.Redis.from_url(TEST_REDIS_URL)
    ours = f"*{keys.digest(partner.key)[:32]}*"
    assert counts.keys(ours), "the counts are in Redis while it answers"
    caplog.set_level(logging.INFO)
    if mode == "refuse":
        down(redis_proxy)
    else:
        redis_proxy.set("stall")
    for _ in range(3):
        started = time.monotonic()
        assert api.get("/inventory", partner.key).status_code == 200
        assert time.monotonic() - started < 3
    client.sign_in("anna@example.fi")
    assert outage_lines(caplog, "redis") == (1, 0)
    assert tracebacks(caplog) == []
    counts.delete(*counts.keys(ours))
    redis_proxy.set("forward")
    time.sleep(1.1)  # Redis is asked again once a second
    assert api.get("/inventory", partner.key).status_code == 200
    assert outage_lines(caplog, "redis") == (1, 1)
    assert counts.keys(ours), "counting is back in Redis"
    counts.delete(*counts.keys(ours))


def test_limits_still_hold_while_redis_is_down(
    limited_app: Flask, redis_proxy: FaultyProxy, api: Api, partner: PartnerHandle
) -> None:
    limited_app.config["API_RATELIMIT_PER_KEY"] = "3/minute"
    down(redis_proxy)
    answers = [api.get("/inventory", partner.key).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_the_health_check_says_redis_is_down_and_the_service_degraded(
    limited_app: Flask, redis_proxy: FaultyProxy, client: Client
) -> None:
    limited_app.config["HEALTHZ_TOKEN"] = "operator-token"
    operator = {"Authorization": "Bearer operator-token"}
    assert client.get("/healthz", headers=operator).get_json()["down"] == []
    down(redis_proxy)
    response = client.get("/healthz", headers=operator)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded" and body["down"] == ["redis"]
    assert body["rate_limits"]["status"] == "error"


def test_a_redis_error_elsewhere_is_a_503_too(app: Flask, client: Client) -> None:
    @app.get("/uses-redis")
    def uses_redis() -> str:
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")

    response = client.get("/uses-redis", headers={"Accept-Language": "fi"})
    assert_unavailable_page(response, "fi")


# The other servers the product waits for


def test_a_hung_mail_server_costs_mail_timeout(
    app_config: dict[str, Any], smtp_server: Any, app: Flask
) -> None:
    from marketplace.mail import mailer

    proxy = FaultyProxy("127.0.0.1", int(app_config["MAIL_PORT"]))
    app.config.update(MAIL_PORT=proxy.port, MAIL_TIMEOUT=1)
    proxy.set("stall")
    started = time.monotonic()
    try:
        with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
            mailer.send("anna@example.fi", "Hello", "Body")
    finally:
        proxy.close()
    assert time.monotonic() - started < 3
    assert smtp_server.messages == []


def test_a_hung_webhook_receiver_costs_webhooks_timeout(
    app: Flask, local_server: Callable[..., Any]
) -> None:
    from marketplace.partners import fetching, policies

    receiver = local_server()
    proxy = FaultyProxy("127.0.0.1", int(receiver.url.rsplit(":", 1)[1]))
    app.config.update(WEBHOOKS_TIMEOUT=1, PARTNERS_ALLOW_PRIVATE_URLS=True)
    proxy.set("stall")
    started = time.monotonic()
    try:
        with pytest.raises(fetching.FetchError):
            fetching.fetch(f"http://{proxy.address}/hook", policies.webhooks(), method="POST")
    finally:
        proxy.close()
    assert time.monotonic() - started < 3


@postgres_only
def test_a_partner_batch_cut_off_from_the_database_is_a_503_and_can_be_sent_again(
    outage_app: Flask,
    database_proxy: FaultyProxy,
    api: Api,
    partner: PartnerHandle,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Items do not fall back one by one when the database is gone: each would fail the same
    way and log its own traceback; the partner gets a 503 and sends the batch again."""
    first = api.post("/inventory/batch", partner.key, {"items": [rental_item("R-0")]})
    assert first.status_code == 200, first.get_json()
    original = sync_bulk.record_built

    def cut_then_record(*args: Any) -> Any:
        database_proxy.cut()
        return original(*args)

    monkeypatch.setattr(sync_bulk, "record_built", cut_then_record)
    by_name = {"name": "Kera depot"}
    items = [sale_item(f"S-{n}", location=by_name, title=f"Tiilierä {n}") for n in range(3)]
    caplog.set_level(logging.INFO)
    response = api.post("/inventory/batch", partner.key, {"items": items})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert tracebacks(caplog) == []
    assert not [r for r in caplog.records if "could not be saved" in r.getMessage()]
    monkeypatch.setattr(sync_bulk, "record_built", original)
    again = api.post("/inventory/batch", partner.key, {"items": items})
    assert again.status_code == 200 and again.get_json()["counts"]["created"] == 3
