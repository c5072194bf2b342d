"""Links never come from the request's Host, redirects stay on the site, private pages are not
cached, and /healthz tells strangers only whether the service is up (issue 15, items 1, 2, 8)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from marketplace import create_app
from marketplace.core.clock import HELSINKI, today_in_finland
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import Listing, Notification, Reservation, User
from marketplace.reservations import materials
from marketplace.reservations.materials import MaterialRequest
from marketplace.web.links import external_url, is_safe_redirect
from tests.conftest import CollectingHandler
from tests.partners.fixtures import PartnerHandle
from tests.support import PASSWORD, Client

PUBLIC = "https://city.example/kera"
OPERATOR_TOKEN = "operator-token-for-tests"
STRANGER_IP = "203.0.113.9"


@pytest.fixture(autouse=True)
def city(app_config: dict[str, Any]) -> None:
    """A public address with a path prefix, behind one declared proxy."""
    app_config.update(
        {"PUBLIC_BASE_URL": PUBLIC, "TRUSTED_PROXY_COUNT": 1, "HEALTHZ_TOKEN": OPERATOR_TOKEN}
    )


def browser(app: Flask, **environ: str) -> Client:
    made = app.test_client()
    made.environ_base.update(environ)
    return made  # type: ignore[return-value]


def links_in(message: Any) -> list[str]:
    return re.findall(r"https?://\S+", message.get_content())


# Item 1: links come from PUBLIC_BASE_URL.


@pytest.mark.parametrize(
    "forged",
    [
        {"HTTP_HOST": "evil.example"},
        {"HTTP_X_FORWARDED_HOST": "evil.example"},
        {"HTTP_HOST": "evil.example", "HTTP_X_FORWARDED_HOST": "evil.example"},
    ],
    ids=["host", "x-forwarded-host", "both"],
)
def test_the_reset_mail_links_to_the_public_address_whatever_the_host(
    smtp_server: CollectingHandler,
    app: Flask,
    make_user: Callable[..., User],
    forged: dict[str, str],
) -> None:
    make_user(email="anna@example.fi")
    attacker = browser(app, **forged)
    assert attacker.submit("/password/forgot", {"email": "anna@example.fi"}).status_code == 302
    (message,) = smtp_server.messages
    assert "evil.example" not in message.get_content()
    (link,) = [link for link in links_in(message) if "/password/reset/" in link]
    assert link.startswith(f"{PUBLIC}/password/reset/")
    assert app.test_client().get(link.removeprefix(PUBLIC)).status_code == 200


def test_a_notification_mailed_outside_a_request_links_to_the_public_address(
    smtp_server: CollectingHandler, app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    unsubscribe = notifications.link("main.notifications_page")
    db.session.add(
        Notification(
            user_id=user.id,
            kind="message",
            data={"title": "Hello", "unsubscribe": unsubscribe},
        )
    )
    db.session.commit()
    assert notifications.deliver_pending() == 1
    (message,) = smtp_server.messages
    assert links_in(message) and all(link.startswith(PUBLIC) for link in links_in(message))
    assert message["List-Unsubscribe"] == f"<{PUBLIC}/notifications>"


def test_external_urls_are_the_same_inside_a_forged_request_and_outside(app: Flask) -> None:
    outside = external_url("listings.detail", listing_id=7, _anchor="reserve")
    assert outside == f"{PUBLIC}/listings/7#reserve"
    with app.test_request_context("/", base_url="http://evil.example/other"):
        assert external_url("listings.detail", listing_id=7, _anchor="reserve") == outside


def test_the_api_and_partner_docs_use_the_public_address(
    app: Flask, make_listing: Callable[..., Listing]
) -> None:
    listing = make_listing(photos=1)
    forged = browser(app, HTTP_HOST="evil.example", HTTP_X_FORWARDED_HOST="evil.example")
    item = forged.get(f"/api/v1/listings/{listing.id}").get_json()
    assert item["url"] == f"{PUBLIC}/listings/{listing.id}"
    assert item["photos"][0].startswith(f"{PUBLIC}/media/")
    docs = forged.get("/partners/docs").get_data(as_text=True)
    assert f"{PUBLIC}/api/v1" in docs and "evil.example" not in docs


@pytest.fixture
def production(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., Flask]]:
    """An app in production mode; the test client must name the public host."""
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        app = create_app(
            {
                **app_config,
                "MARKETPLACE_ENV": "production",
                "PUBLIC_BASE_URL": "https://kera.example",
                "SESSION_COOKIE_SECURE": True,
                "UPLOAD_DIR": str(tmp_path / "production-uploads"),
                "SEARCH_INDEX_DIR": str(tmp_path / "production-index"),
                **settings,
            }
        )
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_production_answers_a_foreign_host_with_400(production: Callable[..., Flask]) -> None:
    client = production().test_client()
    assert client.get("/accessibility", headers={"Host": "kera.example"}).status_code == 200
    for host in ("evil.example", "kera.example.evil.example", "localhost"):
        page = client.get("/accessibility", headers={"Host": host})
        assert page.status_code == 400
        api = client.get("/api/v1/categories", headers={"Host": host})
        assert api.status_code == 400 and api.mimetype == "application/problem+json"
        forgot = client.post("/password/forgot", headers={"Host": host}, data={"email": "a@b.fi"})
        assert forgot.status_code == 400


def test_production_answers_the_extra_names_the_operator_gives(
    production: Callable[..., Flask],
) -> None:
    client = production(EXTRA_TRUSTED_HOSTS=["127.0.0.1"]).test_client()
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "10.0.0.5:8000"}).status_code == 400


def test_production_trusts_x_forwarded_host_only_when_told(
    production: Callable[..., Flask],
) -> None:
    proxied = {"TRUSTED_PROXY_COUNT": 1}
    ignoring = production(**proxied).test_client()
    forged = {"Host": "kera.example", "X-Forwarded-Host": "evil.example"}
    assert ignoring.get("/accessibility", headers=forged).status_code == 200
    trusting = production(**proxied, TRUST_FORWARDED_HOST=True).test_client()
    assert trusting.get("/accessibility", headers=forged).status_code == 400
    named = {"Host": "app-server:8000", "X-Forwarded-Host": "kera.example"}
    assert trusting.get("/accessibility", headers=named).status_code == 200


def test_the_embedded_mode_answers_any_host(app: Flask) -> None:
    for host in ("127.0.0.1:5000", "192.168.1.20:5000", "kera.local"):
        assert browser(app, HTTP_HOST=host).get("/accessibility").status_code == 200


# Item 2: redirect targets are checked as the browser reads them.

UNSAFE_TARGETS = [
    "/\t/evil.example/phish",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\r\nSet-Cookie: stolen=1",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "http:evil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "javascript:alert(1)",
    " /evil.example",
    "/ /evil.example",
    "/\x0b/evil.example",
    "/\u3000/evil.example",
    "/\u200b/evil.example",
    "",
]
# As they arrive in a query string, before Werkzeug decodes it once.
RAW_QUERIES = [
    "next=/%09/evil.example/phish",
    "next=/%0a/evil.example",
    "next=/%0d%0a/evil.example",
    "next=/%2F/evil.example",
    "next=%2F%2Fevil.example",
    "next=/%5Cevil.example",
    "next=%5C%5Cevil.example",
    "next=javascript%3Aalert(1)",
    "next=https%3A%2F%2Fevil.example",
    "next=/%252F/evil.example",
]


def test_unsafe_targets_are_refused_and_site_paths_kept() -> None:
    assert not any(is_safe_redirect(target) for target in UNSAFE_TARGETS)
    for kept in ("/", "/listings/mine?page=2", "/kera/reservations/3#timeline", "/haku?q=%C3%A4"):
        assert is_safe_redirect(kept), kept


def lands_on(response: Any, fallback: str) -> None:
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == fallback, location
    assert not urlsplit(location).netloc


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_sign_in_never_leaves_the_site(
    app: Flask, client: Client, make_user: Callable[..., User], target: str
) -> None:
    user = make_user()
    client.sign_in(user.email)
    lands_on(client.get("/login", query_string={"next": target}), "/")


@pytest.mark.parametrize("query", RAW_QUERIES)
def test_sign_in_with_a_raw_next_never_leaves_the_site(
    client: Client, make_user: Callable[..., User], query: str
) -> None:
    user = make_user()
    signing_in = client.submit(f"/login?{query}", {"email": user.email, "password": PASSWORD})
    lands_on(signing_in, "/")
    lands_on(client.get(f"/login?{query}"), "/")


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_the_language_switch_never_leaves_the_site(client: Client, target: str) -> None:
    lands_on(client.submit("/language", {"language": "sv", "next": target}), "/")


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_listing_transitions_never_leave_the_site(
    client: Client,
    make_user: Callable[..., User],
    make_listing: Callable[..., Listing],
    target: str,
) -> None:
    owner = make_user()
    listing = make_listing(owner=owner)
    client.sign_in(owner.email)
    detail = f"/listings/{listing.id}"
    for action in ("pause", "publish"):
        response = client.submit(f"{detail}/{action}", {"next": target})
        lands_on(response, detail)


def test_site_targets_are_still_followed(
    client: Client, make_user: Callable[..., User], make_listing: Callable[..., Listing]
) -> None:
    owner = make_user()
    listing = make_listing(owner=owner)
    client.sign_in(owner.email)
    mine = "/listings/mine?page=1"
    assert client.submit("/language", {"language": "fi", "next": mine}).headers["Location"] == mine
    paused = client.submit(f"/listings/{listing.id}/pause", {"next": mine})
    assert paused.headers["Location"] == mine
    assert client.get("/login", query_string={"next": mine}).headers["Location"] == mine


# Item 8: private answers are not cached; /healthz tells strangers only up or down.


def reserve(requester: User, listing: Listing) -> Reservation:
    pickup = datetime.combine(today_in_finland() + timedelta(days=1), time(16), HELSINKI)
    return materials.reserve_material(
        requester, listing, MaterialRequest(quantity=Decimal(20), pickup_at=pickup)
    )


def never_stored(response: Any) -> None:
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers.get("Vary", "")


def test_signed_in_pages_are_not_stored(
    client: Client, make_user: Callable[..., User], make_listing: Callable[..., Listing]
) -> None:
    requester = make_user()
    reservation = reserve(requester, make_listing())
    client.sign_in(requester.email)
    never_stored(client.get("/account"))
    never_stored(client.get(f"/reservations/{reservation.id}"))
    never_stored(client.get("/reservations/"))
    never_stored(client.get("/"))


def test_the_reset_page_is_not_stored(
    smtp_server: CollectingHandler, client: Client, make_user: Callable[..., User]
) -> None:
    make_user(email="anna@example.fi")
    client.submit("/password/forgot", {"email": "anna@example.fi"})
    # The flash that names the address on the next page is not stored either.
    never_stored(client.get("/login"))
    (link,) = [link for link in links_in(smtp_server.messages[0]) if "/password/reset/" in link]
    never_stored(client.get(link.removeprefix(PUBLIC)))


def test_the_partner_api_answers_to_a_key_are_not_stored(
    client: Client, partner: PartnerHandle
) -> None:
    response = client.get("/api/v1/inventory", headers=partner.headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_public_and_static_answers_keep_their_own_caching(
    client: Client, make_user: Callable[..., User], make_listing: Callable[..., Listing]
) -> None:
    listing = make_listing(photos=1)
    page = client.get(f"/listings/{listing.id}")
    assert "no-store" not in page.headers.get("Cache-Control", "")
    photo = page.get_data(as_text=True)
    client.sign_in(make_user().email)
    assert "public" in client.get("/open-data/listings.json").headers["Cache-Control"]
    assert "public" in client.get("/api/v1/categories").headers["Cache-Control"]
    with client.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")
    media = re.search(r'/media/[^"\s,]+', photo)
    assert media is not None
    with client.get(media.group(0)) as served:
        assert "max-age=31536000" in served.headers["Cache-Control"]


def test_anonymous_healthz_says_only_up_or_down(app: Flask) -> None:
    stranger = browser(app, REMOTE_ADDR=STRANGER_IP)
    # The proxy on this machine (TRUSTED_PROXY_COUNT=1) appends the client's real address to
    # the loopback address the client claimed.
    through_proxy = browser(app, REMOTE_ADDR="127.0.0.1")
    forged = {"X-Forwarded-For": f"127.0.0.1, {STRANGER_IP}"}
    for client, headers in (
        (stranger, {}),
        (stranger, {"Authorization": "Bearer wrong"}),
        (through_proxy, forged),
    ):
        response = client.get("/healthz", headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok"}


def test_healthz_details_need_the_operator_token_or_localhost(app: Flask) -> None:
    operator = browser(app, REMOTE_ADDR=STRANGER_IP)
    body = operator.get("/healthz", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert body.headers["Cache-Control"] == "no-store"
    details = body.get_json()
    assert details["status"] == "ok" and details["database"]["dialect"]
    assert {"search", "storage"} <= set(details)
    local = browser(app, REMOTE_ADDR="127.0.0.1").get("/healthz").get_json()
    assert set(local) == set(details)


def test_behind_an_undeclared_proxy_loopback_is_not_the_operator(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 0)
    proxied = browser(app, REMOTE_ADDR="127.0.0.1")
    body = proxied.get("/healthz", headers={"X-Forwarded-For": STRANGER_IP}).get_json()
    assert body == {"status": "ok"}


def test_a_broken_service_tells_strangers_only_that(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.core.storage import storage_for

    def read_only(data: bytes, suffix: str) -> str:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(storage_for(app), "save", read_only)
    response = browser(app, REMOTE_ADDR=STRANGER_IP).get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error"}
