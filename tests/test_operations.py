"""Running it in production: start-up rules, request ids, the job runner, the health check."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace import create_app
from marketplace.config import production_problems
from marketplace.extensions import db
from marketplace.models import Notification, User
from marketplace.ops import jobs
from tests.conftest import CollectingHandler
from tests.support import Client

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "MARKETPLACE_ENV": "production",
    "SECRET_KEY": "a long secret",
    "UPLOAD_DIR": "/srv/shared/uploads",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "PUBLIC_BASE_URL": "https://kera.example",
    "SEARCH_INDEX_DIR": "/srv/shared/index",
    "SESSION_COOKIE_SECURE": True,
}


def test_production_refuses_laptop_settings(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    for name in (
        "SECRET_KEY",
        "UPLOAD_DIR",
        "RATELIMIT_STORAGE_URI",
        "PUBLIC_BASE_URL",
        "SEARCH_INDEX_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    laptop = {
        k: v
        for k, v in app_config.items()
        if k not in ("SECRET_KEY", "UPLOAD_DIR", "RATELIMIT_STORAGE_URI", "SEARCH_INDEX_DIR")
    }
    with pytest.raises(RuntimeError) as refused:
        create_app(laptop)
    reasons = str(refused.value)
    on_sqlite = app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    for expected in (
        "SECRET_KEY must be set",
        "UPLOAD_DIR must be set",
        "PUBLIC_BASE_URL must be an https",
    ):
        assert expected in reasons
    assert ("use PostgreSQL" in reasons) == on_sqlite
    # The PostgreSQL search backend (SEARCH_BACKEND=postgres) needs no index directory.
    assert ("SEARCH_INDEX_DIR" in reasons) == (app_config["SEARCH_BACKEND"] == "whoosh")


def test_production_starts_with_proper_settings(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")
    settings = {
        **app_config,
        **PRODUCTION,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
    }
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    app = create_app(settings)
    assert production_problems(app.config) == []
    with app.app_context():
        db.engine.dispose()


def test_every_answer_carries_a_request_id(client: Client) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-1234"})
    assert given.headers["X-Request-ID"] == "proxy-1234"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>" * 20})
    assert odd.headers["X-Request-ID"] != "<script>" * 20


def operator_health(app: Flask, client: Client) -> Any:
    """/healthz as monitoring elsewhere sees it, with the operator's token."""
    app.config["HEALTHZ_TOKEN"] = "operator-token"
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    return client.get("/healthz", headers={"Authorization": "Bearer operator-token"})


def test_the_health_check_covers_database_search_and_storage(app: Flask, client: Client) -> None:
    body = operator_health(app, client).get_json()
    assert {body["database"]["status"], body["search"]["status"], body["storage"]["status"]} == {
        "ok"
    }
    # The tests count rate limits in memory, where nothing can be down.
    assert body["rate_limits"] == {"status": "ok", "storage": "memory"}
    assert body["status"] == "ok" and body["down"] == []


def test_a_broken_storage_makes_the_service_unhealthy(
    app: Flask, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.core.storage import storage_for

    def read_only(data: bytes, suffix: str) -> str:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(storage_for(app), "save", read_only)
    response = operator_health(app, client)
    assert response.status_code == 503
    assert response.get_json()["storage"]["status"] == "error"
    assert response.get_json()["down"] == ["storage"]


def test_jobs_run_every_duty_and_survive_a_failing_one(app: Flask) -> None:
    ran: list[str] = []

    def broken() -> int:
        raise RuntimeError("mail server on fire")

    jobs.register_duty(app, "broken", broken)
    jobs.register_duty(app, "counting", lambda: ran.append("counting") or 1)
    report = jobs.run_once(app)
    assert report["broken"] == -1 and report["counting"] == 1
    assert {"reservation expiry", "notification e-mails", "refunds"} <= set(report)
    rounds: list[float] = []
    jobs.run_forever(app, interval=60, rounds=3, sleep=rounds.append)
    assert len(rounds) == 2 and ran.count("counting") == 4


def test_the_jobs_command(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--once"])
    assert result.exit_code == 0
    report = result.output.strip().splitlines()[-1]
    assert report.startswith("jobs: ") and "reservation expiry 0" in report
    assert "notification e-mails 0" in report and "partner webhooks 0" in report


def test_two_job_runners_share_the_work_without_doing_any_twice(
    app: Flask,
    app_config: dict[str, Any],
    make_user: Callable[..., User],
    smtp_server: CollectingHandler,
) -> None:
    """Two `flask jobs run --once` processes against one database at the same moment: every
    pending e-mail goes out exactly once, whichever runner claims it."""
    users = [make_user(f"runner{n}@example.fi") for n in range(4)]
    for n in range(40):
        db.session.add(
            Notification(user_id=users[n % 4].id, kind="message", data={"title": f"Note {n}"})
        )
    db.session.commit()
    environment = {
        **os.environ,
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": app_config["INSTANCE_PATH"],
        "SECRET_KEY": "test secret key",
        "SEARCH_BACKEND": app_config["SEARCH_BACKEND"],
        "SEARCH_INDEX_DIR": app_config["SEARCH_INDEX_DIR"],
        "UPLOAD_DIR": app_config["UPLOAD_DIR"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app_config["MAIL_PORT"]),
        "NOTIFICATIONS_DELIVERY": "jobs",
    }
    runners = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--once"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [runner.communicate(timeout=120) for runner in runners]
    assert [runner.returncode for runner in runners] == [0, 0], outputs
    subjects = sorted(str(message["Subject"]) for message in smtp_server.messages)
    assert len(subjects) == 40 and len(set(subjects)) == 40
    db.session.rollback()
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Notification.emailed_at.is_(None))) == 0
    )
