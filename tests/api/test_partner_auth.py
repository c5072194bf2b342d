"""Keys on the partner API: 401 without a live key, 403 outside its scopes, revocation that
takes effect at once, the last use recorded at most once a minute, and per-key rate limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from marketplace.core.clock import utcnow
from marketplace.errors import Forbidden, ValidationError
from marketplace.extensions import db
from marketplace.models import MemberRole, PartnerKey, User
from marketplace.organisations import services as organisations
from marketplace.partners import keys
from tests.partners.fixtures import Api, PartnerHandle, rental_item
from tests.support import Client

PARTNER_PATHS = [
    ("GET", "/inventory"),
    ("GET", "/inventory/A"),
    ("PUT", "/inventory/A"),
    ("DELETE", "/inventory/A"),
    ("POST", "/inventory/batch"),
    ("GET", "/reservations"),
    ("GET", "/reservations/1"),
    ("POST", "/reservations/1/accept"),
    ("POST", "/reservations/1/decline"),
    ("POST", "/reservations/1/complete"),
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("GET", "/webhooks/1"),
    ("DELETE", "/webhooks/1"),
]


def the_key(token: str) -> PartnerKey:
    db.session.expire_all()
    found = db.session.scalar(
        sa.select(PartnerKey).where(PartnerKey.token_digest == keys.digest(token))
    )
    assert found is not None
    return found


@pytest.mark.parametrize(("method", "path"), PARTNER_PATHS)
def test_every_partner_endpoint_needs_a_key(api: Api, method: str, path: str) -> None:
    response = api.call(method, path, body={})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = api.call(method, path, key="kmp_live_not-a-key", body={})
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]


def test_keys_are_stored_as_digests_only(partner: PartnerHandle) -> None:
    key = the_key(partner.key)
    assert partner.key.startswith("kmp_live_") and len(partner.key) > 40
    assert key.token_digest == keys.digest(partner.key) != partner.key
    assert key.token_prefix == partner.key[:13]


def test_a_revoked_key_fails_at_once(api: Api, partner: PartnerHandle) -> None:
    assert api.get("/inventory", partner.key).status_code == 200
    keys.revoke_key(partner.organisation, partner.owner, the_key(partner.key).id)
    assert api.get("/inventory", partner.key).status_code == 401


def test_a_key_dies_with_its_creators_membership(
    api: Api,
    partner: PartnerHandle,
    make_user: Callable[..., User],
    make_key: Callable[..., str],
) -> None:
    colleague = make_user()
    organisations.add_member(partner.organisation, partner.owner, colleague.email, MemberRole.OWNER)
    colleague_key = make_key(partner.organisation, colleague)
    assert api.get("/inventory", colleague_key).status_code == 200
    organisations.remove_member(partner.organisation, partner.owner, colleague.id)
    response = api.get("/inventory", colleague_key)
    assert response.status_code == 401 and "no longer belongs" in response.get_json()["detail"]


def test_scopes_limit_what_a_key_may_do(
    api: Api, partner: PartnerHandle, make_key: Callable[..., str]
) -> None:
    reader = make_key(partner.organisation, partner.owner, scopes=("inventory:read",))
    assert api.get("/inventory", reader).status_code == 200
    refused = api.put("/inventory/SCAF-1", reader, rental_item())
    assert refused.status_code == 403 and "inventory:write" in refused.get_json()["detail"]
    assert api.get("/reservations", reader).status_code == 403
    assert api.get("/webhooks", reader).status_code == 403


def test_only_known_scopes_and_owners_make_keys(
    partner: PartnerHandle, make_user: Callable[..., User]
) -> None:
    with pytest.raises(ValidationError):
        keys.create_key(partner.organisation, partner.owner, "x", ["everything"])
    member = make_user()
    organisations.add_member(partner.organisation, partner.owner, member.email, MemberRole.MEMBER)
    with pytest.raises(Forbidden):
        keys.create_key(partner.organisation, member, "x", ["inventory:read"])


def test_the_last_use_is_recorded_at_most_once_a_minute(api: Api, partner: PartnerHandle) -> None:
    assert the_key(partner.key).last_used_at is None
    api.get("/inventory", partner.key)
    first = the_key(partner.key).last_used_at
    assert first is not None
    api.get("/inventory", partner.key)
    assert the_key(partner.key).last_used_at == first
    key = the_key(partner.key)
    key.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    api.get("/inventory", partner.key)
    later = the_key(partner.key).last_used_at
    assert later is not None and later > first


def test_a_browser_session_does_not_authenticate_the_api(
    app: Flask, partner: PartnerHandle, new_client: Callable[..., Client]
) -> None:
    browser = new_client()
    browser.sign_in("partner@example.fi")
    assert browser.get("/api/v1/inventory").status_code == 401


def test_each_key_has_its_own_rate_limit(
    app: Flask, api: Api, partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    app.config["API_RATELIMIT_PER_KEY"] = "3/minute"  # read on every request
    for _ in range(3):
        assert api.get("/inventory", partner.key).status_code == 200
    limited = api.get("/inventory", partner.key)
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert api.get("/inventory", other_partner.key).status_code == 200
    assert api.put("/inventory/A", partner.key, rental_item("A")).status_code == 429


def test_cli_creates_a_key_and_prints_it_last(
    app: Flask, runner: FlaskCliRunner, partner: PartnerHandle, api: Api
) -> None:
    result = runner.invoke(
        args=[
            "partners",
            "create-key",
            "--org",
            "Vuokrakone Oy",
            "--name",
            "Feed sync",
            "--scope",
            "inventory:read",
        ]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("kmp_live_")
    assert api.get("/inventory", token).status_code == 200
    assert api.get("/reservations", token).status_code == 403
    missing = runner.invoke(args=["partners", "create-key", "--org", "Nobody", "--name", "x"])
    assert missing.exit_code != 0 and "no organisation" in missing.output


def test_retry_after_only_when_there_is_something_to_wait_for(
    app: Flask, api: Api, partner: PartnerHandle
) -> None:
    """Every answer says the key's limit, but only a 429 (or a 503) says when to retry: an
    answer that succeeded used to carry Retry-After too."""
    app.config["API_RATELIMIT_PER_KEY"] = "5/minute"
    answers = [
        api.get("/inventory", partner.key),
        api.put("/inventory/A", partner.key, rental_item("A")),
        api.get("/listings/999999"),
        api.get("/categories"),
    ]
    assert [answer.status_code for answer in answers] == [200, 201, 404, 200]
    assert all("Retry-After" not in answer.headers for answer in answers)
    assert answers[0].headers["X-RateLimit-Limit"] == "5"
    assert answers[1].headers["X-RateLimit-Remaining"] == "3"
