"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json, generated from the
JSON Schema of the models in `api.models` and the operations declared with each view
(`api.operations`). Schemathesis (tests/api/test_schemathesis.py) checks every answer of the
API against it, and a client generated from it runs a partner's day
(tests/api/test_generated_client.py).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule

from marketplace.api import bp
from marketplace.api.operations import OPERATIONS, Operation
from marketplace.partners.items import ExternalId
from marketplace.partners.keys import SCOPES
from marketplace.search.query import Sort
from marketplace.web.error_responses import Problem

JSON = "application/json"
PROBLEM = "application/problem+json"
REF = "#/components/schemas/{model}"
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
TEXT = {"type": "string"}
# The partner's item id in a path: the item's own rule.
PATH_SCHEMAS: dict[str, Any] = {"external_id": ExternalId}
ERRORS = {
    400: (
        "BadRequest",
        "The body is not valid JSON, or the request is malformed (not UTF-8, NUL characters).",
    ),
    401: ("Unauthorized", "No API key, or one that is unknown, revoked, or whose creator left."),
    403: ("Forbidden", "The key lacks the scope this operation needs, or may only read."),
    404: ("NotFound", "No such object among the partner's own."),
    409: (
        "Conflict",
        "The object's state does not allow this, or the same Idempotency-Key is still being "
        "processed.",
    ),
    413: ("TooLarge", "The body, or the number of items, is over the limit."),
    415: ("UnsupportedMediaType", "The body is not application/json."),
    422: ("Unprocessable", "Invalid input; `errors` names each field at fault."),
    429: ("TooManyRequests", "Over the key's rate limit."),
    503: ("Unavailable", "The search index is busy; try again."),
}
RETRY_AFTER = {"Retry-After": {"required": True, "description": "Seconds to wait.", "schema": ID}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "description": (
        "Makes a retry safe: the same key with the same request replays the first answer "
        "(for 24 hours); the same key with another request is refused (422)."
    ),
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [Problem]
    for declared in OPERATIONS.values():
        found += [model for model in (declared.query, declared.body) if model is not None]
        found += [model for model in declared.answers.values() if model is not None]
    return list(dict.fromkeys(found))


def schemas() -> dict[str, Any]:
    """Every model, named by its class, in the shape it is validated in (answers have the
    same shape both ways), and the named parts of models (see NAMED_PARTS). Query models are
    among them until they become parameters."""
    chosen = [(model, "validation") for model in _models()]
    _, top = models_json_schema(chosen, ref_template=REF)  # type: ignore[arg-type]
    found = _untitled(top["$defs"])
    found["Sort"] = TypeAdapter(Sort).json_schema()
    for name, (model, field) in NAMED_PARTS.items():
        part = dict(found[model]["properties"][field])
        part.pop("default", None)
        found[name] = part
    return dict(sorted(_referenced(found).items()))


# Parts of models that get a name of their own, so that a generated client has one type for
# them rather than one per place they appear in.
NAMED_PARTS = {
    "Attributes": ("ItemInput", "attributes"),
    "Counts": ("Facets", "category"),
}


def _untitled(schema: Any) -> Any:
    """Without the titles Pydantic gives every field: the names are the properties'."""
    if isinstance(schema, dict):
        return {
            k: _untitled(v) for k, v in schema.items() if k != "title" or not isinstance(v, str)
        }
    if isinstance(schema, list):
        return [_untitled(value) for value in schema]
    return schema


def _referenced(found: dict[str, Any]) -> dict[str, Any]:
    """Each copy of a named schema inside another replaced by a reference to it (Pydantic
    writes some inline, like the items of a batch)."""
    named = {
        repr(sorted(schema.items())): name for name, schema in found.items() if len(schema) > 1
    }

    def walk(schema: Any, owner: str, top: bool = False) -> Any:
        if isinstance(schema, dict):
            plain = {k: v for k, v in schema.items() if k != "default"}
            name = named.get(repr(sorted(plain.items())))
            if name is not None and not top and name != owner:
                kept = {"default": schema["default"]} if "default" in schema else {}
                return {"$ref": REF.format(model=name), **kept}
            return {k: walk(v, owner) for k, v in schema.items()}
        if isinstance(schema, list):
            return [walk(value, owner) for value in schema]
        return schema

    return {name: walk(schema, name, top=True) for name, schema in found.items()}


def _queries() -> set[str]:
    return {d.query.__name__ for d in OPERATIONS.values() if d.query is not None}


def _path_parameter(name: str, converter: str) -> dict[str, Any]:
    if converter == "IntegerConverter" or converter == "RowIdConverter":
        schema: dict[str, Any] = ID
    else:
        rule = PATH_SCHEMAS[name].__metadata__[0]
        schema = rule.schema()
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _never_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter left out is not given; one sent is never null."""
    branches = [branch for branch in schema.get("anyOf", []) if branch != {"type": "null"}]
    if len(branches) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **branches[0]}


def _query_parameters(model: type[BaseModel], all_schemas: dict[str, Any]) -> list[Any]:
    properties = all_schemas[model.__name__]["properties"]
    required = set(all_schemas[model.__name__].get("required", []))
    parameters = []
    for name, schema in properties.items():
        described = _never_null({k: v for k, v in schema.items() if k != "description"})
        if described.get("default", 0) is None:
            del described["default"]
        parameter: dict[str, Any] = {"name": name, "in": "query", "schema": described}
        if "description" in schema:
            parameter["description"] = schema["description"]
        if name in required:
            parameter["required"] = True
        if described.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def _answers(declared: Operation) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status, model in declared.answers.items():
        if model is None:
            answers[str(status)] = {"description": "Done; no content."}
            continue
        content = {JSON: {"schema": ref(model.__name__)}}
        described = "Created" if status == 201 else "OK"
        answers[str(status)] = {"description": described, "content": content}
    # Any request can be malformed (a query string that is no UTF-8, a NUL character).
    errors = set(declared.errors) | {400}
    if declared.scope is not None:
        errors |= {401, 403, 429}
    for status in sorted(errors):
        answers[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return answers


def _operation(rule: Rule, declared: Operation, all_schemas: dict[str, Any]) -> dict[str, Any]:
    parameters = [
        _path_parameter(name, type(converter).__name__)
        for name, converter in rule._converters.items()
    ]
    if declared.query is not None:
        parameters += _query_parameters(declared.query, all_schemas)
    if declared.writes:
        parameters.append(IDEMPOTENCY_KEY)
    found: dict[str, Any] = {
        "operationId": declared.operation_id,
        "summary": declared.summary,
        "tags": [declared.tag],
        "security": [{"apiKey": []}] if declared.scope else [],
        "parameters": parameters,
        "responses": _answers(declared),
    }
    if declared.description:
        found["description"] = declared.description
    if declared.scope:
        found["x-scope"] = declared.scope
    if declared.body is not None:
        body = {JSON: {"schema": ref(declared.body.__name__)}}
        found["requestBody"] = {"required": declared.body_required, "content": body}
    return found


def _path(rule: Rule) -> str:
    path = rule.rule.removeprefix(bp.url_prefix or "")
    for name in rule._converters:
        path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
    return path


def paths(app: Flask, all_schemas: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        declared = OPERATIONS.get(rule.endpoint)
        if declared is None:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for method in methods:
            operation = _operation(rule, declared, all_schemas)
            found.setdefault(_path(rule), {})[method.lower()] = operation
    return dict(sorted(found.items()))


def _responses() -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (name, description) in ERRORS.items():
        response: dict[str, Any] = {
            "description": description,
            "content": {PROBLEM: {"schema": ref("Problem")}},
        }
        if status in (429, 503):
            response["headers"] = RETRY_AFTER
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {"required": True, "schema": TEXT}}
        responses[name] = response
    return responses


DESCRIPTION = (
    "The public catalogue, and for rental partners their inventory, the reservations on it "
    "and webhooks. Partner operations need an API key (`Authorization: Bearer kmp_live_…`) "
    "with the scope each names (`x-scope`): {scopes}. Errors are application/problem+json "
    "(RFC 9457) with a list of `{{field, message}}`. Language: every answer, errors included, "
    "follows the request's Accept-Language among fi, sv and en, and is English when the "
    "header names none of them; the Content-Language header says which. A replayed "
    "Idempotency-Key answer repeats the first one as it was. Items are read back in the shape "
    "they are written (`Item` is an `ItemInput` and more); the public `Listing` names kinds "
    "as listings do: an item's rental is equipment, its sale and free are material. The "
    "partner page /partners/docs explains it with examples."
)


def _build(app: Flask) -> dict[str, Any]:
    all_schemas = schemas()
    scopes = ", ".join(f"`{scope}`" for scope in SCOPES)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kera Marketplace API",
            "version": "1.0.0",
            "description": DESCRIPTION.format(scopes=scopes),
        },
        "servers": [{"url": bp.url_prefix}],
        "tags": [{"name": name} for name in ("Catalogue", "Inventory", "Reservations", "Webhooks")],
        "paths": paths(app, all_schemas),
        "components": {
            "schemas": {k: v for k, v in all_schemas.items() if k not in _queries()},
            "responses": _responses(),
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key created on the partner page (kmp_live_…).",
                }
            },
        },
    }


def document() -> dict[str, Any]:
    """The document of the current application, built once per application."""
    extensions = current_app.extensions
    if "api_openapi" not in extensions:
        extensions["api_openapi"] = _build(current_app)
    found: dict[str, Any] = extensions["api_openapi"]
    return found


@bp.get("/openapi.json")
def openapi() -> Response:
    response = jsonify(document())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
