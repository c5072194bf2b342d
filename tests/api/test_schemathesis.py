"""Schemathesis against /api/v1/openapi.json, in-process: every operation with valid and
invalid input, as partner A, in a marketplace where partner B has items, reservations and a
webhook too, with every check Schemathesis has. No answer may be a server error or contradict
the document, valid input must be accepted and invalid input refused, and nothing of B's may
ever come back to A.

What the document cannot state as schema it says in words, and only those refusals are
excused (`EXPLAINED`): a valid-looking category, site, cursor or pickup code that does not
exist, and the like. Photos are "fetched" from a stand-in, so no request leaves the machine.
"""

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
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

import marketplace.api  # noqa: F401  (declares the operations)
from marketplace.api.operations import OPERATIONS
from marketplace.core.clock import today_in_finland
from marketplace.extensions import db
from marketplace.models import Listing, User
from marketplace.partners import sync_planning
from marketplace.partners.fetching import FetchResponse
from marketplace.reservations import bookings, materials, transitions
from marketplace.reservations.bookings import BookingRequest
from marketplace.reservations.materials import MaterialRequest
from tests.conftest import database_variant
from tests.partners.fixtures import Api, PartnerHandle, rental_item, sale_item
from tests.reservations.conftest import tomorrow_at
from tests.support import jpeg

B_MARKERS = ("B-SECRET", "Salainen B", "b-secret.example", "Toinen Vuokraamo")
# Examples per operation and generation mode. The production database gets the full run;
# SQLite, where the document, validation and serialisers are the same code, a shorter one
# that keeps the quick local loop quick.
EXAMPLES = {"sqlite": 10}
FULL_RUN = 25
OPERATION_IDS = sorted(declared.operation_id for declared in OPERATIONS.values())
SEARCHING = {"listListings"}

# Refusals of schema-valid requests that the document explains in words, by operation and
# field: each names something that must exist, or a rule between values.
ITEM_FIELDS = {
    "category",  # a product type that exists, of the item's kind ("another is refused")
    "location.address",  # a site name the organisation has none of needs its address...
    "location.postal_code",
    "location.city",
    "location.lat",
    "location.lon",
    "quantity",  # whole for pcs and set, also as the category's unit: see QUANTITY_RULE
    "available_from",  # "at most 730 days ahead"
    "available_until",  # "not before available_from, nor in the past"
    "Idempotency-Key",  # "the same key with another request is refused (422)"
}
EXPLAINED: dict[str, set[str]] = {
    # "must equal the one in the path"; "a rental cannot later become a sale or free item"
    "upsertInventoryItem": ITEM_FIELDS | {"external_id", "kind"},
    "runInventoryBatch": {"Idempotency-Key"},
    "listListings": {"category", "postal_code", "radius_km", "sort", "max_price"},
    "listInventory": {"cursor"},
    "listReservations": {"cursor"},
    "completeReservation": {"code", "Idempotency-Key"},  # "the requester's pickup code"
    "createWebhook": {"url", "Idempotency-Key"},  # at most 10; public hosts only
    "acceptReservation": {"Idempotency-Key"},
    "declineReservation": {"Idempotency-Key"},
    "withdrawInventoryItem": {"Idempotency-Key"},
    "deleteWebhook": {"Idempotency-Key"},
}


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
    booking = bookings.book_equipment(
        people[0], rental, BookingRequest(start, start + timedelta(days=1), 1)
    )
    transitions.accept(booking, partner.owner)
    materials.reserve_material(people[1], bricks, MaterialRequest(Decimal(5), tomorrow_at()))
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


@pytest.fixture
def photos_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every photo URL answers with a photo, without a request leaving the machine."""
    body = jpeg(64, 48)

    def fetch(url: str, _policy: Any, **_kwargs: Any) -> FetchResponse:
        return FetchResponse(200, {"content-type": "image/jpeg"}, body, url)

    monkeypatch.setattr(sync_planning, "fetch", fetch)


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


def _fields(response: Any) -> set[str]:
    try:
        errors = json.loads(response.content)["errors"]
    except (ValueError, KeyError, TypeError):
        return set()
    return {str(error["field"]) for error in errors}


def valid_input_is_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, but for the refusals the document explains (EXPLAINED)."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        fields = _fields(response)
        if response.status_code == 422 and fields and fields <= EXPLAINED.get(_id(case), set()):
            return None
        raise


def invalid_input_is_refused(
    items_valid: Callable[[Any], bool],
) -> Callable[[Any, Any, Any], bool | None]:
    """negative_data_rejection, but with the refusals the document gives besides 4xx ones:
    413 for too many items, and a batch answers 200 when only its items are invalid, each of
    which must then have failed on its own, as BatchRequest says."""

    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        try:
            return negative_data_rejection(ctx, response, case)
        except AssertionError:
            documented = case.operation.definition.raw["responses"]
            if response.status_code == 413 and "413" in documented:
                return None
            if _id(case) != "runInventoryBatch" or response.status_code != 200:
                raise
            items = case.body["items"]
            results = json.loads(response.content)["results"]
            for item, result in zip(items, results, strict=True):
                if not items_valid(item) and result["result"] != "failed":
                    raise AssertionError(f"an invalid item was applied: {item!r}") from None
            return None

    return check


def _id(case: Any) -> str:
    return str(case.operation.definition.raw.get("operationId"))


def item_validator(document: dict[str, Any]) -> Callable[[Any], bool]:
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:api", resource)
    validator = Draft202012Validator(
        {"$ref": "urn:api#/components/schemas/ItemInput"}, registry=registry
    )
    return validator.is_valid


# Real names for half of the valid items: a product type of their kind and the partner's
# site, so that valid items get past what must exist and are written and read back.
REAL_CATEGORY = {"rental": "facade-scaffolding", "sale": "common-bricks", "free": "common-bricks"}


def land_half_of_the_items(schema: Any) -> None:
    def land(item: Any) -> None:
        if (
            isinstance(item, dict)
            and item.get("kind") in REAL_CATEGORY
            and len(str(item.get("title", ""))) % 2 == 0
        ):
            item["category"] = REAL_CATEGORY[item["kind"]]
            item["location"] = {"name": "Kera depot"}

    @schema.hook("map_case")  # type: ignore[untyped-decorator]
    def real_names(_context: Any, case: Any) -> Any:
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return case
        if isinstance(case.body, dict):
            for item in case.body.get("items") or [case.body]:
                land(item)
            given = case.body.get("external_id")
            if case.path_parameters and isinstance(given, str) and len(given) % 2 == 0:
                case.path_parameters["external_id"] = given
        return case


def _run(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    checks: list[Any],
    examples: int,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    check()


@pytest.mark.parametrize(
    "operation_id",
    # Only the public listing search searches, so only it runs on both search backends (a test
    # that searches unmarked fails: tests/conftest.py).
    [
        pytest.param(operation, marks=pytest.mark.search) if operation in SEARCHING else operation
        for operation in OPERATION_IDS
    ],
)
def test_the_api_keeps_its_contract(
    request: pytest.FixtureRequest,
    app: Flask,
    seeded: Seeded,
    photos_anywhere: None,
    operation_id: str,
) -> None:
    examples = EXAMPLES.get(database_variant(request), FULL_RUN)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    land_half_of_the_items(schema)
    operation = schema.find_operation_by_id(operation_id)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        response_headers_conformance,
        valid_input_is_accepted,
        invalid_input_is_refused(item_validator(schema.raw_schema)),
        missing_required_header,
        unsupported_method,
        ignored_auth,
        nothing_of_partner_b,
    ]
    headers = {"Authorization": f"Bearer {seeded.key_a}"}
    _run(operation, GenerationMode.POSITIVE, headers, checks, examples)
    # ignored_auth repeats a request without the key; for invalid requests that carry
    # malformed extra headers, its repeat still carries the key (Schemathesis 4.32), so it is
    # left to valid requests here. tests/api/test_partner_auth.py tries every partner
    # endpoint without a key and with a wrong one.
    checks.remove(ignored_auth)
    try:
        _run(operation, GenerationMode.NEGATIVE, headers, checks, examples)
    except Unsatisfiable:
        assert not (operation.path_parameters or operation.query or operation.body)


def test_the_document_describes_every_route(app: Flask, client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
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


def test_the_document_is_valid_openapi_3_1(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate_openapi(document)
    operations = [op for path in document["paths"].values() for op in path.values()]
    ids = [operation["operationId"] for operation in operations]
    assert len(ids) == len(set(ids)) == len(operations) == len(OPERATION_IDS)


def test_the_document_names_every_schema_it_uses(client: Any) -> None:
    """A generated client gets a type per named schema: every object and enum is one, so no
    type is named after where it happens to appear."""
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for name in ("Price", "Condition", "Unit", "Location", "ItemInput", "Item", "Listing"):
        assert name in schemas
    for name in ("ListingPage", "CategoryList", "Problem", "BatchRequest", "BatchResult"):
        assert name in schemas
    assert schemas["BatchRequest"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/ItemInput"
    }

    def inline(schema: Any, where: str) -> Iterable[str]:
        if isinstance(schema, dict):
            named = "properties" in schema or len(schema.get("enum", ())) > 1
            if where.count("/") > 1 and named:
                yield where
            for key, value in schema.items():
                if key not in ("if", "then", "else", "not"):
                    yield from inline(value, f"{where}/{key}")
        elif isinstance(schema, list):
            for number, value in enumerate(schema):
                yield from inline(value, f"{where}/{number}")

    assert [where for name, s in schemas.items() for where in inline(s, name)] == []
