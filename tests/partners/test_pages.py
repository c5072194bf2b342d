"""The partner's pages: keys shown once, webhooks with their deliveries, the feed, the sync
history and the docs; members look, owners change, outsiders see nothing."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from marketplace.core.clock import today_in_finland
from marketplace.extensions import db
from marketplace.models import Listing, MemberRole, PartnerKey, User
from marketplace.organisations import services as organisations
from marketplace.partners import keys, webhooks
from marketplace.reservations import bookings
from marketplace.reservations.bookings import BookingRequest
from tests.partners.fixtures import JSON_HEADERS, Api, LocalServer, PartnerHandle, rental_item
from tests.support import Client, text

TOKEN = re.compile(r'value="(kmp_live_[^"]+)"')
SECRET = re.compile(r'value="(whsec_[^"]+)"')


@pytest.fixture
def owner(client: Client, partner: PartnerHandle) -> Client:
    client.sign_in("partner@example.fi")
    return client


@pytest.fixture
def member(partner: PartnerHandle, make_user: Callable[..., User]) -> User:
    user = make_user(email="member@example.fi")
    organisations.add_member(partner.organisation, partner.owner, user.email, MemberRole.MEMBER)
    return user


def base(partner: PartnerHandle) -> str:
    return f"/organisations/{partner.organisation.id}/partner"


def test_an_owner_creates_a_key_that_is_shown_once(
    owner: Client, partner: PartnerHandle, api: Api
) -> None:
    form = {"name": "Yöajo", "scopes": ["inventory:read", "inventory:write"]}
    response = owner.submit(f"{base(partner)}/keys", form)
    assert response.status_code == 200
    token = TOKEN.search(text(response))
    assert token, "the new key is on the page"
    assert api.get("/inventory", token.group(1)).status_code == 200
    assert api.get("/reservations", token.group(1)).status_code == 403
    page = text(owner.get(base(partner)))
    assert token.group(1) not in page and "Yöajo" in page and token.group(1)[:13] in page
    stored = db.session.scalars(sa.select(PartnerKey.token_digest)).all()
    assert keys.digest(token.group(1)) in stored and token.group(1) not in stored


def test_the_key_list_shows_the_last_use_and_revoking_works(
    owner: Client, partner: PartnerHandle, api: Api
) -> None:
    assert "never used" in text(owner.get(base(partner)))
    api.get("/inventory", partner.key)
    assert "last used" in text(owner.get(base(partner)))
    key_id = db.session.scalar(sa.select(PartnerKey.id))
    response = owner.submit(f"{base(partner)}/keys/revoke", {"target": str(key_id)})
    assert response.status_code == 302
    assert api.get("/inventory", partner.key).status_code == 401
    assert "revoked" in text(owner.get(base(partner)))


def test_a_key_form_with_problems_is_shown_again(owner: Client, partner: PartnerHandle) -> None:
    response = owner.submit(f"{base(partner)}/keys", {"name": "", "scopes": []})
    assert response.status_code == 422 and 'aria-invalid="true"' in text(response)


def test_members_look_and_outsiders_see_nothing(
    client: Client, partner: PartnerHandle, member: User, make_user: Callable[..., User]
) -> None:
    client.sign_in("member@example.fi")
    for page in ("", "/webhooks", "/feed", "/sync"):
        response = client.get(base(partner) + page)
        assert response.status_code == 200, page
        assert "the organisation's owners change them" in text(response)
        assert "Create the key" not in text(response)
    assert client.submit(f"{base(partner)}/keys", {"name": "x"}).status_code == 403
    make_user(email="stranger@example.fi")
    stranger = client.application.test_client()
    stranger.sign_in("stranger@example.fi")  # type: ignore[attr-defined]
    assert stranger.get(base(partner)).status_code == 404


def test_webhooks_page_shows_the_secret_once_and_the_deliveries(
    owner: Client,
    partner: PartnerHandle,
    api: Api,
    private_urls: None,
    local_server: Callable[..., LocalServer],
    make_user: Callable[..., User],
) -> None:
    receiver = local_server((500, {}, b"try later"))
    form = {"url": f"{receiver.url}/hook", "events": ["reservation.requested"]}
    response = owner.submit(f"{base(partner)}/webhooks", form)
    assert response.status_code == 200 and SECRET.search(text(response))
    assert not SECRET.search(text(owner.get(f"{base(partner)}/webhooks")))
    item = api.put("/inventory/SCAF-1", partner.key, rental_item()).get_json()["item"]
    listing = db.session.get(Listing, item["id"])
    assert listing is not None
    start = today_in_finland() + timedelta(days=3)
    bookings.book_equipment(
        make_user(), listing, BookingRequest(start, start + timedelta(days=1), 1)
    )
    webhooks.deliver_due()
    page = text(owner.get(f"{base(partner)}/webhooks"))
    assert "reservation.requested" in page and "HTTP 500" in page
    assert "try later" in page and "next try" in page


def test_invalid_webhooks_are_shown_with_their_problem(
    owner: Client, partner: PartnerHandle
) -> None:
    form = {"url": "https://10.0.0.1/hook", "events": ["reservation.requested"]}
    response = owner.submit(f"{base(partner)}/webhooks", form)
    assert response.status_code == 422 and "private" in text(response)


def test_an_owner_sets_up_pulls_and_removes_a_feed(
    owner: Client,
    partner: PartnerHandle,
    private_urls: None,
    local_server: Callable[..., LocalServer],
) -> None:
    server = local_server((200, JSON_HEADERS, json.dumps([rental_item()]).encode()))
    form = {"url": f"{server.url}/feed.json", "format": "json", "interval_minutes": "30"}
    assert owner.submit(f"{base(partner)}/feed", {**form, "enabled": "y"}).status_code == 302
    page = text(owner.get(f"{base(partner)}/feed"))
    assert f"{server.url}/feed.json" in page and "Pull now" in page
    assert owner.submit(f"{base(partner)}/feed/pull").status_code == 302
    history = text(owner.get(f"{base(partner)}/sync"))
    assert "Feed pull" in history and "1 created" in history
    assert owner.submit(f"{base(partner)}/feed/delete").status_code == 302
    assert "No feed is set up." in text(owner.get(f"{base(partner)}/feed"))


def test_feed_settings_are_checked(owner: Client, partner: PartnerHandle) -> None:
    form = {"url": "http://127.0.0.1/feed", "format": "csv", "interval_minutes": "5"}
    response = owner.submit(f"{base(partner)}/feed", form)
    assert response.status_code == 422


def test_the_sync_history_names_what_failed(
    owner: Client, partner: PartnerHandle, api: Api
) -> None:
    items = [rental_item("GOOD"), rental_item("BAD", quantity="-5")]
    api.post("/inventory/batch", partner.key, {"items": items})
    page = text(owner.get(f"{base(partner)}/sync"))
    assert "Batch (upsert)" in page and "1 created" in page and "1 failed" in page
    assert "BAD" in page and "quantity" in page


def test_the_docs_explain_keys_items_webhooks_and_feeds(client: Client) -> None:
    page = text(client.get("/partners/docs"))
    for needle in (
        "Authorization: Bearer",
        "curl -s -X PUT http://127.0.0.1:5000/api/v1/inventory/SCAF-0042",
        "X-Marketplace-Signature",
        "hmac.compare_digest",
        "Idempotency-Key",
        "location_postal_code",
        "/api/v1/openapi.json",
    ):
        assert needle in page, needle


def _examples(page: str) -> dict[str, tuple[str, Any]]:
    """The docs' curl writes, by path: what a partner copies and runs as it stands."""
    found = {}
    for block in re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S):
        block = html.unescape(block)
        call = re.search(r"curl -s -X (PUT|POST) http://127.0.0.1:5000/api/v1(\S+)", block)
        body = re.search(r"-d '(.*?)'", block, re.S)
        if call and body:
            found[call.group(2)] = (call.group(1), json.loads(body.group(1)))
    return found


def test_the_docs_examples_work_as_written(
    client: Client, api: Api, partner: PartnerHandle
) -> None:
    examples = _examples(client.get("/partners/docs").get_data(as_text=True))
    method, item = examples["/inventory/SCAF-0042"]
    assert api.call(method, "/inventory/SCAF-0042", partner.key, item).status_code == 201
    method, batch = examples["/inventory/batch"]
    answer = api.call(method, "/inventory/batch", partner.key, batch).get_json()
    assert answer["counts"]["created"] == len(batch["items"]) >= 2, answer
    method, hook = examples["/webhooks"]
    assert api.call(method, "/webhooks", partner.key, hook).status_code == 201


def test_the_menu_leads_owners_to_the_partner_pages(owner: Client, partner: PartnerHandle) -> None:
    assert "/partners/" in text(owner.get("/"))
    assert owner.get("/partners/").headers["Location"] == base(partner)
    detail = text(owner.get(f"/organisations/{partner.organisation.id}"))
    assert base(partner) in detail


def test_plain_members_of_other_organisations_get_no_menu_link(
    client: Client, make_user: Callable[..., User], make_organisation: Callable[..., Any]
) -> None:
    owner = make_user(email="boss@example.fi")
    make_user(email="worker@example.fi")
    organisation = make_organisation(owner)
    organisations.add_member(organisation, owner, "worker@example.fi", MemberRole.MEMBER)
    client.sign_in("worker@example.fi")
    assert "/partners/" not in text(client.get("/"))
