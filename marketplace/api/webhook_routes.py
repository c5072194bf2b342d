"""The partner's webhook endpoints. The signing secret is in the answer to POST only."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import lazy_gettext as _l

from marketplace.api import bp
from marketplace.api.access import (
    ApiProblem,
    answer,
    json_body,
    known_id,
    partner,
    read_endpoint,
    write_endpoint,
)
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Organisation, WebhookEndpoint
from marketplace.partners import webhooks
from marketplace.partners.transactions import one_transaction

FIELDS = {"url", "events", "description"}
NO_SUCH_ENDPOINT = _l("No such webhook endpoint.")


def endpoint_as_dict(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events or []),
        "description": endpoint.description,
        "created_at": endpoint.created_at.isoformat(),
    }


@bp.get("/webhooks")
@read_endpoint("webhooks:manage")
def webhook_list() -> Response:
    found = webhooks.endpoints_of(partner().organisation_id)
    return jsonify({"items": [endpoint_as_dict(endpoint) for endpoint in found]})


@bp.get("/webhooks/<int:webhook_id>")
@read_endpoint("webhooks:manage")
def webhook_detail(webhook_id: int) -> Response:
    endpoint = db.session.get(WebhookEndpoint, known_id(webhook_id, NO_SUCH_ENDPOINT))
    if (
        endpoint is None
        or endpoint.organisation_id != partner().organisation_id
        or endpoint.deleted_at is not None
    ):
        raise NotFound(NO_SUCH_ENDPOINT)
    return jsonify(endpoint_as_dict(endpoint))


def _request(body: Any) -> tuple[str, list[str] | None, str]:
    if not isinstance(body, dict):
        raise ApiProblem(422, _l("Send the endpoint as a JSON object."), "body")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise ApiProblem(422, _l("Only url, events and description belong here."), unknown[0])
    url, events, description = body.get("url"), body.get("events"), body.get("description", "")
    if not isinstance(url, str):
        raise ApiProblem(422, _l("Give the URL that receives the events."), "url")
    if events is not None and not (
        isinstance(events, list) and all(isinstance(e, str) for e in events)
    ):
        raise ApiProblem(422, _l("Give the events as a list of names."), "events")
    if not isinstance(description, str):
        raise ApiProblem(422, _l("Give a string."), "description")
    return url, events, description


@bp.post("/webhooks")
@write_endpoint("webhooks:manage")
def webhook_create() -> None:
    url, events, description = _request(json_body())
    who = partner()
    with one_transaction():
        organisation = db.session.get(Organisation, who.organisation_id)
        assert organisation is not None
        created = webhooks.create_endpoint(organisation, who.actor(), url, events, description)
        document = {**endpoint_as_dict(created.endpoint), "secret": created.secret}
        answer()(201, document)


@bp.delete("/webhooks/<int:webhook_id>")
@write_endpoint("webhooks:manage")
def webhook_delete(webhook_id: int) -> None:
    who = partner()
    with one_transaction():
        organisation = db.session.get(Organisation, who.organisation_id)
        assert organisation is not None
        webhooks.delete_endpoint(organisation, who.actor(), known_id(webhook_id, NO_SUCH_ENDPOINT))
        answer()(204, {})
