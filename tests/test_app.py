from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask

from tests.support import Client, text


def test_home_page_explains_the_marketplace(client: Client) -> None:
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Give leftover building materials a second life" in text(response)


def test_health_check_reports_database_and_search(
    app: Flask, new_client: Callable[..., Client]
) -> None:
    app.config["HEALTHZ_TOKEN"] = "operator-token"
    monitor = new_client("203.0.113.9")
    response = monitor.get("/healthz", headers={"Authorization": "Bearer operator-token"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {
        "status": "ok",
        "dialect": app.extensions["sqlalchemy"].engine.dialect.name,
    }
    assert body["search"]["status"] == "ok"


@pytest.mark.parametrize(("path", "status"), [("/no-such-page", 404), ("/organisations/1", 302)])
def test_html_errors_are_pages(client: Client, path: str, status: int) -> None:
    response = client.get(path, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert response.status_code == status
    if status == 404:
        assert "Page not found" in text(response)
        assert response.mimetype == "text/html"


def test_json_clients_get_problem_details(client: Client) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = json.loads(response.data)
    assert body["status"] == 404 and body["title"] and body["errors"] == []


def test_api_paths_answer_problem_json_even_for_browsers(client: Client) -> None:
    response = client.get("/api/v1/nothing", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_wrong_method_is_405_with_allow_header(client: Client) -> None:
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_oversized_body_is_refused_with_413(app: Flask, client: Client) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 4096}, headers={"Accept": "text/html"})
    assert response.status_code == 413
    assert "too large" in text(response).lower() or "liian suuri" in text(response).lower()


def test_unexpected_errors_render_a_500_page(app: Flask, client: Client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("boom")

    response = client.get("/explode", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Something went wrong" in text(response)
    assert "boom" not in text(response)


def test_security_headers_on_every_response(client: Client) -> None:
    for path in ("/", "/login", "/no-such-page", "/healthz"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_and_secure_cookies_outside_debug(app_config: dict[str, object]) -> None:
    from marketplace import create_app

    app_config.update({"TESTING": False, "HSTS_ENABLED": True, "SESSION_COOKIE_SECURE": True})
    app = create_app(app_config)
    client = app.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    from marketplace.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_static_assets_are_served_locally(client: Client) -> None:
    page = text(client.get("/"))
    assert "cdn" not in page.lower()
    for asset in (
        "/static/vendor/pico/css/pico.min.css",
        "/static/vendor/htmx.org/dist/htmx.min.js",
    ):
        assert asset in page
        response = client.get(asset)
        assert response.status_code == 200
        response.close()


def test_nul_bytes_are_refused_before_they_reach_the_database(client: Client) -> None:
    assert client.get("/listings/?category=%00").status_code == 400
    assert (
        client.submit("/login", {"email": "a\x00@example.fi", "password": "x"}).status_code == 400
    )
