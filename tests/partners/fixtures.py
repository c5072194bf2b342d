"""Fixtures for the partner API, shared by tests/partners and tests/api: partners with keys,
an API client, items, and small HTTP servers on 127.0.0.1 (webhook receivers, feeds, photos).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from marketplace.extensions import db
from marketplace.models import Organisation, OrganisationKind, User
from marketplace.partners import keys
from tests.support import Client, jpeg

LOCATION = {
    "name": "Kera depot",
    "address": "Keranportti 3",
    "postal_code": "02650",
    "city": "Espoo",
    "lat": 60.2172,
    "lon": 24.7535,
}
RENTAL = {
    "kind": "rental",
    "title": "Julkisivuteline 50 m²",
    "description": "Alumiininen kehysteline lankkuineen.",
    "language": "fi",
    "category": "facade-scaffolding",
    "condition": "good",
    "quantity": "3",
    "unit": "set",
    "price": [
        {"amount": "45.00", "currency": "EUR", "per": "day"},
        {"amount": "180.00", "currency": "EUR", "per": "week"},
    ],
    "min_rental_days": 2,
    "deposit": "200.00",
    "location": LOCATION,
    "attributes": {"model": "Layher Blitz 70"},
}


def rental_item(external_id: str = "SCAF-1", **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(RENTAL), "external_id": external_id, **changes}


def sale_item(external_id: str = "BRICK-1", **changes: Any) -> dict[str, Any]:
    item = {
        "external_id": external_id,
        "kind": "sale",
        "title": "Punatiilet lavalla",
        "category": "common-bricks",
        "quantity": "500",
        "unit": "pcs",
        "price": {"amount": "0.40", "currency": "EUR", "per": "unit"},
        "location": dict(LOCATION),
    }
    return {**item, **changes}


@dataclass
class PartnerHandle:
    organisation: Organisation
    owner: User
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


class Api:
    """The partner API through the test client, with a key."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        key: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        sent = dict(headers or {})
        if key is not None:
            sent.setdefault("Authorization", f"Bearer {key}")
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
            data: Any = body if isinstance(body, str | bytes) else json.dumps(body)
        else:
            data = None
        return self.client.open(f"/api/v1{path}", method=method, data=data, headers=sent)

    def get(self, path: str, key: str | None = None, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, key, **kwargs)

    def put(self, path: str, key: str | None = None, body: Any = None, **kw: Any) -> TestResponse:
        return self.call("PUT", path, key, body, **kw)

    def post(self, path: str, key: str | None = None, body: Any = None, **kw: Any) -> TestResponse:
        return self.call("POST", path, key, body, **kw)

    def delete(self, path: str, key: str | None = None, **kwargs: Any) -> TestResponse:
        return self.call("DELETE", path, key, **kwargs)


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app.test_client())  # type: ignore[arg-type]


@pytest.fixture
def make_key(app: Flask) -> Callable[..., str]:
    def make(
        organisation: Organisation,
        owner: User,
        scopes: tuple[str, ...] = keys.SCOPES,
        name: str = "ERP",
    ) -> str:
        return keys.create_key(organisation, owner, name, list(scopes)).token

    return make


@pytest.fixture
def make_partner(
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_key: Callable[..., str],
) -> Callable[..., PartnerHandle]:
    def make(name: str = "Vuokrakone Oy", email: str | None = None) -> PartnerHandle:
        owner = make_user(email=email)
        # Only a verified organisation's keys may write.
        organisation = make_organisation(
            owner, name=name, kind=OrganisationKind.RENTAL_PARTNER, verified=True
        )
        handle = PartnerHandle(organisation, owner, make_key(organisation, owner))
        db.session.commit()
        return handle

    return make


@pytest.fixture
def partner(make_partner: Callable[..., PartnerHandle]) -> PartnerHandle:
    return make_partner("Vuokrakone Oy", "partner@example.fi")


@pytest.fixture
def other_partner(make_partner: Callable[..., PartnerHandle]) -> PartnerHandle:
    return make_partner("Toinen Vuokraamo Oy", "other@example.fi")


@pytest.fixture
def private_urls(app: Flask) -> None:
    """Let feeds, photos and webhooks reach the test servers on 127.0.0.1 (read per request,
    so this can follow the app's creation)."""
    app.config["PARTNERS_ALLOW_PRIVATE_URLS"] = True


# Local HTTP servers


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """Answers each request with the next of `answers` (the last one repeats), and keeps
    what it received. An answer is (status, headers, body) or a callable that writes one."""

    url: str
    answers: list[Any] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def answer_with(self, *answers: Any) -> None:
        self.answers[:] = list(answers)

    def next_answer(self) -> Any:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            server.received.append(Received(self.command, self.path, headers, body))
            answer = server.next_answer()
            if callable(answer):
                answer(self)
                return
            status, extra, content = answer
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@pytest.fixture
def local_server() -> Iterator[Callable[..., LocalServer]]:
    servers: list[ThreadingHTTPServer] = []

    def start(*answers: Any, host: str = "127.0.0.1") -> LocalServer:
        state = LocalServer("", list(answers) or [(200, {}, b"ok")])
        httpd = ThreadingHTTPServer((host, 0), _handler(state))
        httpd.daemon_threads = True
        state.url = f"http://{host}:{httpd.server_address[1]}"
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return state

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def photo_bytes() -> bytes:
    return jpeg(640, 480)


JSON_HEADERS = {"Content-Type": "application/json"}
IMAGE_HEADERS = {"Content-Type": "image/jpeg"}
__all__ = [
    "IMAGE_HEADERS",
    "JSON_HEADERS",
    "Api",
    "LocalServer",
    "PartnerHandle",
    "rental_item",
    "sale_item",
]
