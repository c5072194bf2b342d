"""Schemathesis against /api/v1/openapi.json, in-process: every operation with valid and
invalid input, as partner A, in a marketplace where partner B has items, reservations and a
webhook too. No answer may be a server error or contradict the document, invalid input must
be refused, and nothing of B's may ever come back to A."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.globals import _cv_app, _cv_request
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.api.openapi import document
from marketplace.core.clock import today_in_finland
from marketplace.extensions import db
from marketplace.models import Listing, User
from marketplace.reservations import services as reservations
from marketplace.reservations.services import BookingRequest, MaterialRequest
from tests.partners.fixtures import Api, PartnerHandle, rental_item, sale_item
from tests.reservations.conftest import tomorrow_at

B_MARKERS = ("B-SECRET", "Salainen B", "b-secret.example", "Toinen Vuokraamo")
EXAMPLES = 25


@dataclass
class Seeded:
    key_a: str
    key_b: str


def isolated(app: Flask) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """Each request in an application context of its own, as in a server process, rather
    than in the test's (which Flask would otherwise reuse, with its session and `g`)."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def run() -> list[bytes]:
            _cv_app.set(None)  # type: ignore[arg-type]
            _cv_request.set(None)  # type: ignore[arg-type]
            return list(app(environ, start_response))

        return contextvars.copy_context().run(run)

    return wsgi


def _listing(api: Api, key: str, item: dict[str, Any]) -> Listing:
    response = api.put(f"/inventory/{item['external_id']}", key, item)
    assert response.status_code == 201, response.get_json()
    found = db.session.get(Listing, response.get_json()["item"]["id"])
    assert found is not None
    return found


def _seed(api: Api, partner: PartnerHandle, prefix: str, title: str, people: list[User]) -> None:
    rental = _listing(api, partner.key, rental_item(f"{prefix}-1", title=f"{title} teline"))
    bricks = _listing(api, partner.key, sale_item(f"{prefix}-2", title=f"{title} tiilet"))
    start = today_in_finland() + timedelta(days=3)
    booking = reservations.book_equipment(
        people[0], rental, BookingRequest(start, start + timedelta(days=1), 1)
    )
    reservations.accept(booking, partner.owner)
    reservations.reserve_material(people[1], bricks, MaterialRequest(Decimal(5), tomorrow_at()))
    hook = {"url": f"https://{prefix.lower()}.example/hook"}
    assert api.post("/webhooks", partner.key, hook).status_code == 201


@pytest.fixture
def seeded(
    api: Api,
    partner: PartnerHandle,
    make_partner: Callable[..., PartnerHandle],
    make_user: Callable[..., User],
) -> Seeded:
    other = make_partner("Toinen Vuokraamo Oy", "b@example.fi")
    people = [make_user(), make_user()]
    _seed(api, other, "B-SECRET", "Salainen B", people)
    _seed(api, partner, "A", "Julkinen A", people)
    db.session.commit()
    return Seeded(partner.key, other.key)


def nothing_of_partner_b(ctx: Any, response: Any, case: Any) -> bool | None:
    """Partner A's key never brings back anything of partner B's (the public catalogue
    aside: B's listings are public)."""
    if case.path.startswith("/listings"):
        return None
    body = response.content.decode("utf-8", "replace")
    for marker in B_MARKERS:
        if marker in body:
            raise AssertionError(f"{case.method} {case.path} showed {marker!r} to partner A")
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    nothing_of_partner_b,
]
OPERATIONS = [
    (method.upper(), path)
    for path, operations in document()["paths"].items()
    for method in operations
]


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


@pytest.mark.search
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_the_api_keeps_its_contract(app: Flask, seeded: Seeded, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {seeded.key_a}"}
    _run(operation, GenerationMode.POSITIVE, headers)
    try:
        _run(operation, GenerationMode.NEGATIVE, headers)
    except Unsatisfiable:
        assert not (operation.path_parameters or operation.query or operation.body)


def test_the_document_describes_every_route(app: Flask, client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    described = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = {
        (method, rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    routes = {(method, path.replace(">", "}")) for method, path in routes}
    assert routes == described
    assert json.dumps(document)  # plain JSON throughout
