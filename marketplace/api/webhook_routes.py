"""The partner's webhook endpoints. The signing secret is in the answer to POST only."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import lazy_gettext as _l

from marketplace.api import bp
from marketplace.api.access import (
    ApiProblem,
    answer,
    known_id,
    partner,
    read_body,
    read_endpoint,
    write_endpoint,
)
from marketplace.api.models import NewWebhook, Webhook, WebhookInput, WebhookList
from marketplace.api.operations import WRITE_ERRORS, operation
from marketplace.api.serializers import webhook_model
from marketplace.errors import FieldProblem, NotFound
from marketplace.extensions import db
from marketplace.models import Organisation, WebhookEndpoint
from marketplace.partners import policies, webhooks
from marketplace.partners.model_errors import Messages
from marketplace.partners.transactions import one_transaction

NO_SUCH_ENDPOINT = _l("No such webhook endpoint.")
MESSAGES: Messages = {
    (None, "model_type"): _l("Send the endpoint as a JSON object."),
    ("*", "extra_forbidden"): _l("Only url, events and description belong here."),
    ("url", "missing"): _l("Give the URL that receives the events."),
}
EVENTS = _l("Choose events from: %(events)s.", events=", ".join(webhooks.EVENTS))


@bp.get("/webhooks")
@operation("listWebhooks", "The partner's webhook endpoints", "Webhooks", {200: WebhookList})
@read_endpoint("webhooks:manage")
def webhook_list() -> Response:
    found = webhooks.endpoints_of(partner().organisation_id)
    return jsonify(WebhookList(items=[webhook_model(endpoint) for endpoint in found]).document())


@bp.get("/webhooks/<int:webhook_id>")
@operation("getWebhook", "One webhook endpoint", "Webhooks", {200: Webhook}, (404, 422))
@read_endpoint("webhooks:manage")
def webhook_detail(webhook_id: int) -> Response:
    endpoint = db.session.get(WebhookEndpoint, known_id(webhook_id, NO_SUCH_ENDPOINT))
    if (
        endpoint is None
        or endpoint.organisation_id != partner().organisation_id
        or endpoint.deleted_at is not None
    ):
        raise NotFound(NO_SUCH_ENDPOINT)
    return jsonify(webhook_model(endpoint).document())


def _request() -> WebhookInput:
    allow_private = policies.webhooks().allow_private
    try:
        return read_body(WebhookInput, MESSAGES, context={"allow_private": allow_private})
    except ApiProblem as error:
        # The events are one choice: a wrong one is the list's fault, not its entry's.
        problems = [
            FieldProblem("events", str(EVENTS)) if (p.field or "").startswith("events") else p
            for p in error.problems
        ]
        raise ApiProblem(422, problems[0].message, problems[0].field, problems=problems) from None


@bp.post("/webhooks")
@operation(
    "createWebhook",
    "Add an endpoint; its signing secret is in this answer only",
    "Webhooks",
    {201: NewWebhook},
    WRITE_ERRORS,
    body=WebhookInput,
)
@write_endpoint("webhooks:manage")
def webhook_create() -> None:
    chosen = _request()
    events = None if chosen.events is None else [event.value for event in chosen.events]
    who = partner()
    with one_transaction():
        organisation = db.session.get(Organisation, who.organisation_id)
        assert organisation is not None
        created = webhooks.create_endpoint(
            organisation, who.actor(), chosen.url, events, chosen.description
        )
        document = NewWebhook(
            **webhook_model(created.endpoint).model_dump(), secret=created.secret
        ).document()
        answer()(201, document)


@bp.delete("/webhooks/<int:webhook_id>")
@operation(
    "deleteWebhook",
    "Remove an endpoint; its undelivered events are dropped",
    "Webhooks",
    {204: None},
    WRITE_ERRORS,
)
@write_endpoint("webhooks:manage")
def webhook_delete(webhook_id: int) -> None:
    who = partner()
    with one_transaction():
        organisation = db.session.get(Organisation, who.organisation_id)
        assert organisation is not None
        webhooks.delete_endpoint(organisation, who.actor(), known_id(webhook_id, NO_SUCH_ENDPOINT))
        answer()(204, {})
