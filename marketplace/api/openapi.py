"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json.

Written by hand beside the code it describes; Schemathesis (tests/api/test_schemathesis.py)
checks every answer the API gives against it, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from marketplace.api import bp
from marketplace.models import (
    Condition,
    Language,
    ListingKind,
    ListingStatus,
    ReservationStatus,
    Unit,
)
from marketplace.partners.items import EXTERNAL_ID, MAX_ATTRIBUTES, MAX_PHOTOS
from marketplace.partners.keys import SCOPES
from marketplace.partners.webhooks import EVENTS
from marketplace.search.query import MAX_PAGE, MAX_PER_PAGE, Sort

JSON = "application/json"
PROBLEM = "application/problem+json"
DECIMAL_PATTERN = r"^\d{1,9}(\.\d+)?$"
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema or "enum" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def enum(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [str(getattr(v, "value", v)) for v in values]}


def obj(
    properties: dict[str, Any], required: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
TIME = {"type": "string", "format": "date-time"}
URI = {"type": "string", "format": "uri"}
MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["45.00"]}
DECIMAL_TEXT = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "examples": ["12.5"]}
DECIMAL_IN = {
    "oneOf": [
        {"type": "string", "pattern": DECIMAL_PATTERN},
        {"type": "number", "minimum": 0, "maximum": 999_999_999},
    ],
    "description": 'A decimal number, best as a string ("12.50").',
}


def _listing() -> dict[str, Any]:
    price = obj(
        {
            "amount": MONEY,
            "currency": {"type": "string", "const": "EUR"},
            "per": enum(["day", "week", "unit", "lot"]),
        }
    )
    location = obj(
        {
            "name": {**STRING, "description": "The site's name; absent when approximate."},
            "city": STRING,
            "postal_code": STRING,
            "lat": {"type": "number"},
            "lon": {"type": "number"},
            "approximate": {
                "type": "boolean",
                "description": (
                    "true for a private person's place: only its postal area is given, and "
                    "lat/lon are the centre of a fixed grid cell of about 500 m that holds it "
                    "(show it as an area, not a pin). Organisations' places are exact."
                ),
            },
        },
        ["city", "postal_code", "lat", "lon", "approximate"],
    )
    properties = {
        "id": {"type": "integer"},
        "url": URI,
        "kind": enum(ListingKind),
        "title": STRING,
        "description": STRING,
        "language": enum(Language),
        "category": obj({"slug": STRING, "name": STRING}),
        "condition": nullable(enum(Condition)),
        "quantity_total": DECIMAL_TEXT,
        "quantity_available": DECIMAL_TEXT,
        "unit": enum(Unit),
        "price": {"oneOf": [price, {"type": "null"}]},
        "min_rental_days": nullable({"type": "integer", "minimum": 1}),
        "deposit": nullable(MONEY),
        "location": location,
        "distance_km": {
            "type": "number",
            "description": "Only when searching near a point; measured to location's lat/lon.",
        },
        "available_from": DATE,
        "available_until": nullable(DATE),
        "photos": {"type": "array", "items": URI},
        "organisation": nullable(STRING),
        "status": enum(ListingStatus),
        "created_at": TIME,
        "updated_at": TIME,
    }
    required = [name for name in properties if name != "distance_km"]
    return obj(properties, required)


def _inventory_item() -> dict[str, Any]:
    partner_fields = obj(
        {
            "external_id": STRING,
            "source": enum(["api", "feed"]),
            "attributes": {"type": "object"},
        }
    )
    return {"allOf": [ref("Listing"), partner_fields]}


def _item_input() -> dict[str, Any]:
    price = obj(
        {
            "amount": DECIMAL_IN,
            "currency": {"type": "string", "const": "EUR", "default": "EUR"},
            "per": enum(["day", "week", "unit", "lot"]),
        },
        ["amount", "per"],
        additionalProperties=False,
    )
    location = obj(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 120},
            "address": {"type": "string", "maxLength": 200},
            "postal_code": {"type": "string", "pattern": r"^\d{5}$"},
            "city": {"type": "string", "maxLength": 80},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
        },
        ["name"],
        additionalProperties=False,
        description=(
            "The organisation's site of this name; a new name creates a site, and then "
            "address, postal_code, city, lat and lon are required."
        ),
    )
    scalar = {"type": ["string", "number", "boolean", "null"]}
    properties = {
        "external_id": {"type": "string", "pattern": f"^{EXTERNAL_ID.pattern}$"},
        "kind": enum(["rental", "sale", "free"]),
        "title": {"type": "string", "minLength": 3, "maxLength": 120},
        "description": {"type": "string", "maxLength": 5000},
        "language": enum(Language),
        "category": {"type": "string", "description": "A slug from GET /categories."},
        "condition": nullable(enum(Condition)),
        "quantity": DECIMAL_IN,
        "unit": nullable(enum(Unit)),
        "price": {
            "oneOf": [
                price,
                {"type": "array", "items": price, "minItems": 1, "maxItems": 2},
                {"type": "null"},
            ],
            "description": "Rentals: per day and/or week; sales: per unit or lot; free: none.",
        },
        "min_rental_days": nullable({"type": "integer", "minimum": 1, "maximum": 365}),
        "deposit": {"oneOf": [DECIMAL_IN, {"type": "null"}]},
        "location": location,
        "available_from": nullable(DATE),
        "available_until": nullable(DATE),
        "photos": {"type": "array", "items": URI, "maxItems": MAX_PHOTOS},
        "attributes": {
            "type": "object",
            "additionalProperties": scalar,
            "maxProperties": MAX_ATTRIBUTES,
        },
    }
    required = ["external_id", "kind", "title", "category", "quantity", "location"]
    return obj(properties, required, additionalProperties=False)


def _item_result() -> dict[str, Any]:
    return obj(
        {
            "index": nullable({"type": "integer"}),
            "external_id": nullable(STRING),
            "result": enum(["created", "updated", "unchanged", "withdrawn", "failed"]),
            "status": {"type": "integer"},
            "listing_id": nullable({"type": "integer"}),
            "errors": {"type": "array", "items": ref("FieldError")},
        }
    )


def _batch_result() -> dict[str, Any]:
    counts = obj(
        {
            name: {"type": "integer", "minimum": 0}
            for name in ("received", "created", "updated", "unchanged", "withdrawn", "failed")
        }
    )
    return obj(
        {
            "mode": enum(["upsert", "replace"]),
            "sync_run_id": {"type": "integer"},
            "counts": counts,
            "results": {"type": "array", "items": ref("ItemResult")},
            "withdrawn": {"type": "array", "items": ref("ItemResult")},
        }
    )


def _reservation() -> dict[str, Any]:
    listing = obj(
        {"id": {"type": "integer"}, "external_id": nullable(STRING), "title": STRING, "url": URI}
    )
    money = obj({"amount": MONEY, "currency": {"type": "string", "const": "EUR"}})
    return obj(
        {
            "id": {"type": "integer"},
            "status": enum(ReservationStatus),
            "listing": listing,
            "quantity": DECIMAL_TEXT,
            "unit": enum(Unit),
            "start_date": nullable(DATE),
            "end_date": nullable(DATE),
            "pickup_at": nullable(TIME),
            "message": STRING,
            "price": money,
            "deposit": nullable(MONEY),
            "requester": obj({"name": STRING}),
            "reason": STRING,
            "expires_at": nullable(TIME),
            "created_at": TIME,
            "updated_at": TIME,
            "requested_at": nullable(TIME),
            "accepted_at": nullable(TIME),
            "completed_at": nullable(TIME),
            "closed_at": nullable(TIME),
        }
    )


def _webhook(with_secret: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "url": URI,
        "events": {"type": "array", "items": enum(EVENTS)},
        "description": STRING,
        "created_at": TIME,
    }
    if with_secret:
        properties["secret"] = {
            "type": "string",
            "description": "Signs the deliveries. Shown in this answer only: keep it.",
        }
    return obj(properties)


def _category() -> dict[str, Any]:
    names = obj({language.value: STRING for language in Language})
    return obj(
        {
            "slug": STRING,
            "family": nullable(STRING),
            "kind": enum(["material", "equipment"]),
            "names": names,
            "default_unit": enum(Unit),
            "default_mass_kg": nullable(DECIMAL_TEXT),
            "ewc_code": nullable(STRING),
            "hazardous": {"type": "boolean"},
            "emission_factor": nullable(DECIMAL_TEXT),
            "emission_factor_source": nullable(STRING),
            "active": {"type": "boolean"},
        }
    )


def schemas() -> dict[str, Any]:
    field_error = obj({"field": nullable(STRING), "message": STRING})
    problem = obj(
        {
            "type": STRING,
            "title": STRING,
            "status": {"type": "integer"},
            "detail": STRING,
            "errors": {"type": "array", "items": ref("FieldError")},
        }
    )
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    return {
        "FieldError": field_error,
        "Problem": problem,
        "Category": _category(),
        "Listing": _listing(),
        "ListingPage": obj(
            {
                "items": {"type": "array", "items": ref("Listing")},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "facets": obj({"category": counts, "kind": counts, "condition": counts}),
            }
        ),
        "InventoryItem": _inventory_item(),
        "InventoryPage": obj(
            {
                "items": {"type": "array", "items": ref("InventoryItem")},
                "next_cursor": nullable(STRING),
            }
        ),
        "ItemInput": _item_input(),
        "ItemWritten": obj(
            {
                "result": enum(["created", "updated", "unchanged", "withdrawn"]),
                "item": ref("InventoryItem"),
            }
        ),
        "BatchInput": obj(
            {
                "mode": {**enum(["upsert", "replace"]), "default": "upsert"},
                "items": {
                    "type": "array",
                    "maxItems": 1000,
                    "items": {
                        "description": (
                            "An item in the ItemInput format. Each is checked on its own: an "
                            "invalid item fails in its result, not the batch."
                        )
                    },
                },
            },
            ["items"],
            additionalProperties=False,
        ),
        "ItemResult": _item_result(),
        "BatchResult": _batch_result(),
        "Reservation": _reservation(),
        "ReservationPage": obj(
            {
                "items": {"type": "array", "items": ref("Reservation")},
                "next_cursor": nullable(STRING),
            }
        ),
        "WebhookEndpoint": _webhook(),
        "NewWebhookEndpoint": _webhook(with_secret=True),
        "WebhookInput": obj(
            {
                "url": {"type": "string", "format": "uri", "maxLength": 2000},
                "events": {"type": "array", "items": enum(EVENTS), "minItems": 1},
                "description": {"type": "string", "maxLength": 200},
            },
            ["url"],
            additionalProperties=False,
        ),
        "WebhookList": obj({"items": {"type": "array", "items": ref("WebhookEndpoint")}}),
    }


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": ref("Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def responses() -> dict[str, Any]:
    text = {"schema": {"type": "string"}}
    return {
        "BadRequest": _problem("The body is not valid JSON, or the request has NUL characters."),
        "Unauthorized": _problem(
            "No API key, or one that is unknown, revoked, or whose creator left.",
            {"WWW-Authenticate": {**text, "required": True}},
        ),
        "Forbidden": _problem("The key lacks the scope this operation needs."),
        "NotFound": _problem("No such object among the partner's own."),
        "Conflict": _problem(
            "The object's state does not allow this, or the same Idempotency-Key is "
            "still being processed."
        ),
        "TooLarge": _problem("The body, or the number of items, is over the limit."),
        "UnsupportedMediaType": _problem("The body is not application/json."),
        "Unprocessable": _problem("Invalid input; `errors` names each field at fault."),
        "TooManyRequests": _problem(
            "Over the key's rate limit.",
            {"Retry-After": {**text, "required": True, "description": "Seconds to wait."}},
        ),
        "Unavailable": _problem(
            "The search index is busy; try again.", {"Retry-After": {**text, "required": True}}
        ),
    }


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def parameters() -> dict[str, Any]:
    return {
        "ExternalId": {
            "name": "external_id",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": f"^{EXTERNAL_ID.pattern}$"},
            "description": "The partner's own id of the item (from its ERP).",
        },
        "ReservationId": {
            "name": "reservation_id",
            "in": "path",
            "required": True,
            "schema": ID,
        },
        "WebhookId": {
            "name": "webhook_id",
            "in": "path",
            "required": True,
            "schema": ID,
        },
        "UpdatedSince": _query(
            "updated_since", TIME, "Only what changed at or after this time (with a zone)."
        ),
        "Cursor": _query("cursor", STRING, "`next_cursor` of the previous page."),
        "Limit": _query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
        "IdempotencyKey": {
            "name": "Idempotency-Key",
            "in": "header",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
            "description": (
                "Makes a retry safe: the same key with the same request replays the first "
                "answer (for 24 hours); the same key with another request is refused (422)."
            ),
        },
    }


def _param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _resp(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _ok(schema: str, description: str = "OK", status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": ref(schema)}}}}


def _partner(scope: str, answers: dict[str, Any], *errors: str) -> dict[str, Any]:
    common = {"400": _resp("BadRequest"), "401": _resp("Unauthorized")}
    common.update({"403": _resp("Forbidden"), "429": _resp("TooManyRequests")})
    named = {
        "400": "BadRequest",
        "404": "NotFound",
        "409": "Conflict",
        "413": "TooLarge",
        "415": "UnsupportedMediaType",
        "422": "Unprocessable",
    }
    chosen = {code: _resp(named[code]) for code in errors}
    return {
        "security": [{"apiKey": []}],
        "x-scope": scope,
        "responses": {**answers, **common, **chosen},
    }


def _body(schema: str, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": ref(schema)}}}


WRITE_ERRORS = ("400", "404", "409", "413", "415", "422")


def _transition(summary: str, body: dict[str, Any] | None, required: bool) -> dict[str, Any]:
    operation = {
        "summary": summary,
        "tags": ["Reservations"],
        "parameters": [_param("ReservationId"), _param("IdempotencyKey")],
        **_partner("reservations:write", _ok("Reservation"), *WRITE_ERRORS),
    }
    if body is not None:
        operation["requestBody"] = {
            "required": required,
            "content": {JSON: {"schema": {**body, "additionalProperties": True}}},
        }
    return operation


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


def _public_listing_parameters() -> list[dict[str, Any]]:
    """The search page's parameters. Like the page, the API reads an empty value as not
    given and ignores spaces around values; anything else it cannot use is a 422."""
    text = {"type": "string"}
    choice = {"type": "string", "enum": ["", "0", "1", "false", "true", "no", "yes", "off", "on"]}
    return [
        _query("q", {"type": "string", "maxLength": 200}, "Words, in Finnish, Swedish or English."),
        _query("category", text, "A category family or product type slug."),
        _query("kind", {**enum(ListingKind), "enum": ["", *enum(ListingKind)["enum"]]}),
        _query("condition", {**enum(Condition), "enum": ["", *enum(Condition)["enum"]]}),
        _query("organisation", _or_empty(ID)),
        _query("free", choice, "1 for free listings only."),
        _query("min_price", text, "Euros."),
        _query("max_price", text, "Euros."),
        _query("near", text, "latitude,longitude, e.g. 60.2172,24.7535."),
        _query("postal_code", text, "Five digits; the search is around its centre."),
        _query("radius_km", _or_empty({"type": "number", "exclusiveMinimum": 0, "maximum": 200})),
        _query("sort", {**enum(Sort), "enum": ["", *enum(Sort)["enum"]]}),
        _query("page", _or_empty({"type": "integer", "minimum": 1, "maximum": MAX_PAGE})),
        _query("per_page", _or_empty({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE})),
    ]


def _public() -> dict[str, Any]:
    ok: dict[str, Any] = {"security": []}
    return {
        "/categories": {
            "get": {
                **ok,
                "summary": "The category taxonomy",
                "tags": ["Catalogue"],
                "responses": {
                    "200": {
                        "description": "Families and their product types.",
                        "content": {
                            JSON: {
                                "schema": obj(
                                    {"items": {"type": "array", "items": ref("Category")}}
                                )
                            }
                        },
                    }
                },
            }
        },
        "/listings": {
            "get": {
                **ok,
                "summary": "Search public listings, with the search page's filters",
                "tags": ["Catalogue"],
                "parameters": _public_listing_parameters(),
                "responses": {
                    **_ok("ListingPage"),
                    "400": _resp("BadRequest"),
                    "422": _resp("Unprocessable"),
                    "503": _resp("Unavailable"),
                },
            }
        },
        "/listings/{listing_id}": {
            "get": {
                **ok,
                "summary": "One public listing",
                "tags": ["Catalogue"],
                "parameters": [
                    {
                        "name": "listing_id",
                        "in": "path",
                        "required": True,
                        "schema": ID,
                    }
                ],
                "responses": {
                    **_ok("Listing"),
                    "400": _resp("BadRequest"),
                    "404": _resp("NotFound"),
                },
            }
        },
    }


def _inventory() -> dict[str, Any]:
    read_errors = ("404", "422")
    return {
        "/inventory": {
            "get": {
                "summary": "The partner's items, least recently updated first",
                "tags": ["Inventory"],
                "parameters": [_param("UpdatedSince"), _param("Cursor"), _param("Limit")],
                **_partner("inventory:read", _ok("InventoryPage"), "422"),
            }
        },
        "/inventory/batch": {
            "post": {
                "summary": "Create, update and (in replace mode) withdraw many items",
                "description": (
                    "Each item is checked and applied on its own, with a result for each; "
                    "the answer is 200 even when some items failed. Replace mode withdraws "
                    "the partner's items the batch does not name."
                ),
                "tags": ["Inventory"],
                "parameters": [_param("IdempotencyKey")],
                "requestBody": _body("BatchInput"),
                **_partner("inventory:write", _ok("BatchResult"), *WRITE_ERRORS),
            }
        },
        "/inventory/{external_id}": {
            "get": {
                "summary": "One of the partner's items",
                "tags": ["Inventory"],
                "parameters": [_param("ExternalId")],
                **_partner("inventory:read", _ok("InventoryItem"), *read_errors),
            },
            "put": {
                "summary": "Create (201) or update (200) an item; unchanged data is a no-op",
                "tags": ["Inventory"],
                "parameters": [_param("ExternalId"), _param("IdempotencyKey")],
                "requestBody": _body("ItemInput"),
                **_partner(
                    "inventory:write",
                    {**_ok("ItemWritten"), **_ok("ItemWritten", "Created", "201")},
                    *WRITE_ERRORS,
                ),
            },
            "delete": {
                "summary": "Withdraw an item; its reservations are honoured",
                "tags": ["Inventory"],
                "parameters": [_param("ExternalId"), _param("IdempotencyKey")],
                **_partner("inventory:write", _ok("ItemWritten"), *WRITE_ERRORS),
            },
        },
    }


def _reservations() -> dict[str, Any]:
    reason = obj({"reason": {"type": "string", "maxLength": 500}}, [])
    code = obj({"code": {"type": "string", "minLength": 1, "maxLength": 20}})
    status = {
        "name": "status",
        "in": "query",
        "schema": {"type": "array", "items": enum(ReservationStatus)},
        "style": "form",
        "explode": True,
    }
    return {
        "/reservations": {
            "get": {
                "summary": "Reservations on the partner's items, least recently updated first",
                "tags": ["Reservations"],
                "parameters": [status, _param("UpdatedSince"), _param("Cursor"), _param("Limit")],
                **_partner("reservations:read", _ok("ReservationPage"), "422"),
            }
        },
        "/reservations/{reservation_id}": {
            "get": {
                "summary": "One reservation",
                "tags": ["Reservations"],
                "parameters": [_param("ReservationId")],
                **_partner("reservations:read", _ok("Reservation"), "404", "422"),
            }
        },
        "/reservations/{reservation_id}/accept": {
            "post": _transition("Accept a request", obj({}, []), required=False)
        },
        "/reservations/{reservation_id}/decline": {
            "post": _transition("Decline a request (the stock is released)", reason, False)
        },
        "/reservations/{reservation_id}/complete": {
            "post": _transition("Confirm the handover with the requester's pickup code", code, True)
        },
    }


def _webhooks() -> dict[str, Any]:
    return {
        "/webhooks": {
            "get": {
                "summary": "The partner's webhook endpoints",
                "tags": ["Webhooks"],
                **_partner("webhooks:manage", _ok("WebhookList")),
            },
            "post": {
                "summary": "Add an endpoint; its signing secret is in this answer only",
                "tags": ["Webhooks"],
                "parameters": [_param("IdempotencyKey")],
                "requestBody": _body("WebhookInput"),
                **_partner(
                    "webhooks:manage",
                    _ok("NewWebhookEndpoint", "Created", "201"),
                    *WRITE_ERRORS,
                ),
            },
        },
        "/webhooks/{webhook_id}": {
            "get": {
                "summary": "One webhook endpoint",
                "tags": ["Webhooks"],
                "parameters": [_param("WebhookId")],
                **_partner("webhooks:manage", _ok("WebhookEndpoint"), "404", "422"),
            },
            "delete": {
                "summary": "Remove an endpoint; its undelivered events are dropped",
                "tags": ["Webhooks"],
                "parameters": [_param("WebhookId"), _param("IdempotencyKey")],
                **_partner("webhooks:manage", {"204": {"description": "Removed."}}, *WRITE_ERRORS),
            },
        },
    }


def document() -> dict[str, Any]:
    scopes = ", ".join(f"`{scope}`" for scope in SCOPES)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kera Marketplace API",
            "version": "1.0.0",
            "description": (
                "The public catalogue, and for rental partners their inventory, the "
                "reservations on it and webhooks. Partner operations need an API key "
                f"(`Authorization: Bearer kmp_live_…`) with the scope each names: {scopes}. "
                "Errors are application/problem+json (RFC 9457) with a list of "
                "`{field, message}`. Language: every answer, errors included (401, 403, 404, "
                "405, 413, 422, 429, 500 alike), follows the request's Accept-Language among "
                "fi, sv and en, and is English when the header names none of them; the "
                "Content-Language header says which. A replayed Idempotency-Key answer "
                "repeats the first one as it was. The partner page /partners/docs explains it "
                "with examples."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": name} for name in ("Catalogue", "Inventory", "Reservations", "Webhooks")],
        "paths": {**_public(), **_inventory(), **_reservations(), **_webhooks()},
        "components": {
            "schemas": schemas(),
            "responses": responses(),
            "parameters": parameters(),
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key created on the partner page (kmp_live_…).",
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    response = jsonify(document())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
