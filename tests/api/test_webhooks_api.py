"""Webhook endpoints over the API: the secret only in the answer that creates one, checked
URLs and events, and other partners' endpoints out of sight."""

from __future__ import annotations

import pytest

from tests.partners.fixtures import Api, PartnerHandle

HOOK = {"url": "https://erp.example.com/kera", "events": ["reservation.requested"]}


def test_create_list_get_and_delete(api: Api, partner: PartnerHandle) -> None:
    created = api.post("/webhooks", partner.key, {**HOOK, "description": "ERP"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == HOOK["events"]
    listed = api.get("/webhooks", partner.key).get_json()["items"]
    assert [hook["id"] for hook in listed] == [body["id"]]
    assert "secret" not in listed[0]
    one = api.get(f"/webhooks/{body['id']}", partner.key)
    assert one.status_code == 200 and "secret" not in one.get_json()
    deleted = api.delete(f"/webhooks/{body['id']}", partner.key)
    assert deleted.status_code == 204 and deleted.get_data() == b""
    # No content, so nothing that would describe some (it used to say text/html).
    assert "Content-Type" not in deleted.headers and "Content-Language" not in deleted.headers
    assert api.get("/webhooks", partner.key).get_json()["items"] == []
    assert api.delete(f"/webhooks/{body['id']}", partner.key).status_code == 404


def test_all_events_when_none_are_chosen(api: Api, partner: PartnerHandle) -> None:
    body = api.post("/webhooks", partner.key, {"url": HOOK["url"]}).get_json()
    assert "payment.refunded" in body["events"] and len(body["events"]) == 8


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://erp.example.com/kera"}, "url"),
        ({"url": "ftp://erp.example.com/kera"}, "url"),
        ({"url": "https://127.0.0.1/kera"}, "url"),
        ({"url": "https://localhost/kera"}, "url"),
        ({"url": "https://10.1.2.3/kera"}, "url"),
        ({"url": "https://[::1]/kera"}, "url"),
        ({"url": HOOK["url"], "events": ["reservation.lost"]}, "events"),
        ({"url": HOOK["url"], "events": []}, "events"),
        ({"url": HOOK["url"], "events": "reservation.requested"}, "events"),
        ({"url": HOOK["url"], "secret": "mine"}, "secret"),
        ({"events": ["reservation.requested"]}, "url"),
    ],
)
def test_invalid_endpoints_are_refused(
    api: Api, partner: PartnerHandle, body: dict[str, object], field: str
) -> None:
    response = api.post("/webhooks", partner.key, body)
    assert response.status_code == 422
    assert [error["field"] for error in response.get_json()["errors"]] == [field]


def test_private_receivers_when_the_operator_allows_them(
    api: Api, partner: PartnerHandle, private_urls: None
) -> None:
    response = api.post("/webhooks", partner.key, {"url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 201


def test_other_partners_endpoints_are_invisible(
    api: Api, partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    hook = api.post("/webhooks", partner.key, HOOK).get_json()
    assert api.get("/webhooks", other_partner.key).get_json()["items"] == []
    assert api.get(f"/webhooks/{hook['id']}", other_partner.key).status_code == 404
    assert api.delete(f"/webhooks/{hook['id']}", other_partner.key).status_code == 404
    assert api.get(f"/webhooks/{hook['id']}", partner.key).status_code == 200


def test_the_documents_events_are_the_webhooks_events() -> None:
    from marketplace.api.models import WebhookEvent
    from marketplace.partners.webhooks import EVENTS

    assert tuple(event.value for event in WebhookEvent) == EVENTS
