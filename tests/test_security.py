"""Cross-cutting security: CSRF on every form, no writes on GET, and every object route
checked against every kind of visitor."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.alerts.services import create_saved_search
from marketplace.auth.services import password_reset_token
from marketplace.extensions import db
from marketplace.models import AlertFrequency
from marketplace.reservations import materials
from marketplace.reservations.materials import MaterialRequest
from tests.reservations.conftest import tomorrow_at
from tests.support import PASSWORD, Client

# Routes that take no browser form. Machine endpoints (webhooks, the partner API) join here.
CSRF_EXEMPT: set[str] = {
    "payments.webhook",  # Stripe signs its requests instead
    # Unsubscribe links carry a signed token, which is the credential; mail clients' one-click
    # POSTs (RFC 8058) carry no CSRF token.
    "alerts.unsubscribe",
    # The partner API authenticates with keys, which a forged cross-site request lacks.
    "api.batch",
    "api.accept",
    "api.decline",
    "api.complete",
    "api.webhook_create",
}


@dataclass
class World:
    owner: Any
    member: Any
    stranger: Any
    organisation: Any
    organisation_site: Any
    personal_site: Any
    organisation_listing: Any
    personal_listing: Any
    draft_listing: Any
    customer: Any
    reservation: Any
    saved_search: Any = None

    @property
    def photo(self) -> Any:
        return self.organisation_listing.photos[0]

    def values(self) -> dict[str, Any]:
        """Arguments for every URL rule, pointing at objects the owner may change."""
        return {
            "organisation_id": self.organisation.id,
            "user_id": self.member.id,
            "site_id": self.personal_site.id,
            "token": password_reset_token(self.owner),
            "listing_id": self.organisation_listing.id,
            "photo_id": self.photo.id,
            "action": "pause",
            "key": self.photo.variants["320"],
            "reservation_id": self.reservation.id,
            "saved_search_id": self.saved_search.id,
            "external_id": "ERP-1",
            "webhook_id": 1,
            "target": "listing",
            "target_id": self.organisation_listing.id,
            "decision_id": 1,
            "complaint_id": 1,
        }

    def placeholders(self) -> dict[str, Any]:
        return {
            "org": self.organisation.id,
            "owner": self.owner.id,
            "member": self.member.id,
            "org_site": self.organisation_site.id,
            "personal_site": self.personal_site.id,
            "org_listing": self.organisation_listing.id,
            "personal_listing": self.personal_listing.id,
            "draft": self.draft_listing.id,
            "photo": self.photo.id,
            "key": self.photo.variants["320"],
            "reservation": self.reservation.id,
            "saved": self.saved_search.id,
            "external_id": "ERP-1",
            "webhook": 1,
            "target": "listing",
            "target_id": self.organisation_listing.id,
            "decision": 1,
            "complaint": 1,
        }


@pytest.fixture
def world(
    app: Flask, make_user: Any, make_organisation: Any, make_site: Any, make_listing: Any
) -> World:
    owner = make_user(email="owner@example.fi")
    member = make_user(email="member@example.fi")
    stranger = make_user(email="stranger@example.fi")
    organisation = make_organisation(owner, members=(member,))
    organisation_site, personal_site = make_site(owner, organisation), make_site(owner)
    organisation_listing = make_listing(owner=owner, site=organisation_site, photos=1)
    customer = make_user(email="customer@example.fi")
    reservation = materials.reserve_material(
        customer, organisation_listing, MaterialRequest(Decimal(5), tomorrow_at())
    )
    return World(
        owner,
        member,
        stranger,
        organisation,
        organisation_site,
        personal_site,
        organisation_listing,
        make_listing(owner=owner, site=personal_site),
        make_listing(owner=owner, site=personal_site, publish=False),
        customer,
        reservation,
        saved_search=create_saved_search(owner, {"q": "tiili"}, "Tiilet", AlertFrequency.DAILY),
    )


def rules(app: Flask, method: str) -> list[Any]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if method in (rule.methods or set()) and rule.endpoint != "static"
    ]


def url_for_rule(rule: Any, values: dict[str, Any]) -> str:
    return str(rule.build({name: values[name] for name in rule.arguments})[1])


def database_fingerprint() -> str:
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_every_post_route_refuses_a_missing_or_forged_csrf_token(
    app: Flask, client: Client, world: World
) -> None:
    client.sign_in("owner@example.fi")
    checked = 0
    before = database_fingerprint()
    for rule in rules(app, "POST"):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        url = url_for_rule(rule, world.values())
        assert client.post(url, data={}).status_code == 400, url
        assert client.post(url, data={"csrf_token": "forged"}).status_code == 400, url
        checked += 1
    assert checked >= 20
    assert database_fingerprint() == before


@pytest.mark.search
def test_no_get_route_writes(app: Flask, client: Client, world: World) -> None:
    client.sign_in("owner@example.fi")
    before = database_fingerprint()
    visited = 0
    for rule in rules(app, "GET"):
        response = client.get(url_for_rule(rule, world.values()))
        assert response.status_code < 500
        response.close()
        visited += 1
    assert visited >= 20
    assert database_fingerprint() == before


# (method, URL pattern, expected status for: anonymous, stranger, member, owner).
# A member may see the organisation but not manage it; nobody else may learn it exists.
MATRIX: list[tuple[str, str, tuple[int, int, int, int]]] = [
    ("GET", "/organisations/{org}", (302, 404, 200, 200)),
    ("GET", "/organisations/{org}/edit", (302, 404, 403, 200)),
    ("POST", "/organisations/{org}/edit", (302, 404, 403, 302)),
    ("POST", "/organisations/{org}/members", (302, 404, 403, 302)),
    ("POST", "/organisations/{org}/members/{owner}/role", (302, 404, 403, 302)),
    ("POST", "/organisations/{org}/members/{owner}/remove", (302, 404, 403, 302)),
    # A member removing themselves is leaving, which members may do.
    ("POST", "/organisations/{org}/members/{member}/remove", (302, 404, 302, 302)),
    # Verification: members see where it stands, owners send the trader's details (an empty
    # form is refused), and only administrators decide.
    ("GET", "/organisations/{org}/verification", (302, 404, 200, 200)),
    ("POST", "/organisations/{org}/verification", (302, 404, 403, 422)),
    ("POST", "/admin/organisations/{org}/decision", (302, 403, 403, 403)),
    ("GET", "/sites/{org_site}/edit", (302, 404, 200, 200)),
    ("POST", "/sites/{org_site}/edit", (302, 404, 302, 302)),
    # Listings use the site, so even its managers are told to keep it (and redirected).
    ("POST", "/sites/{org_site}/delete", (302, 404, 302, 302)),
    ("GET", "/sites/{personal_site}/edit", (302, 404, 404, 200)),
    ("POST", "/sites/{personal_site}/edit", (302, 404, 404, 302)),
    ("POST", "/sites/{personal_site}/delete", (302, 404, 404, 302)),
    # Listings: public once published; managed by the lister or the organisation's members.
    ("GET", "/listings/{org_listing}", (200, 200, 200, 200)),
    ("GET", "/listings/{draft}", (404, 404, 404, 200)),
    ("GET", "/listings/{org_listing}/edit", (302, 404, 200, 200)),
    ("POST", "/listings/{org_listing}/edit", (302, 404, 422, 422)),
    ("GET", "/listings/{personal_listing}/edit", (302, 404, 404, 200)),
    ("POST", "/listings/{personal_listing}/edit", (302, 404, 404, 422)),
    ("GET", "/listings/{org_listing}/photos", (302, 404, 200, 200)),
    ("POST", "/listings/{org_listing}/photos", (302, 404, 422, 422)),
    ("POST", "/listings/{org_listing}/photos/{photo}/delete", (302, 404, 302, 302)),
    ("POST", "/listings/{org_listing}/photos/{photo}/move", (302, 404, 302, 302)),
    ("POST", "/listings/{org_listing}/pause", (302, 404, 302, 302)),
    ("POST", "/listings/{personal_listing}/close", (302, 404, 404, 302)),
    ("POST", "/listings/{draft}/publish", (302, 404, 404, 302)),
    ("POST", "/listings/{org_listing}/duplicate", (302, 404, 302, 302)),
    # Moderation: anyone may report what they can see (an empty report is refused); only the
    # person a decision restricts reads its statement and contests it; only moderators decide.
    ("GET", "/moderation/report/{target}/{target_id}", (200, 200, 200, 200)),
    ("POST", "/moderation/report/{target}/{target_id}", (422, 422, 422, 422)),
    ("GET", "/moderation/decisions/{decision}", (404, 404, 404, 404)),
    ("POST", "/moderation/decisions/{decision}/complaint", (404, 404, 404, 404)),
    ("GET", "/admin/moderation/{target}/{target_id}", (302, 403, 403, 403)),
    ("POST", "/admin/moderation/{target}/{target_id}/decide", (302, 403, 403, 403)),
    ("POST", "/admin/moderation/listings/{org_listing}/approve", (302, 403, 403, 403)),
    ("GET", "/admin/complaints/{complaint}", (302, 403, 403, 403)),
    # People's accounts are managed by moderators and administrators only.
    ("GET", "/admin/users/{owner}", (302, 403, 403, 403)),
    ("POST", "/admin/users/{owner}/role", (302, 403, 403, 403)),
    ("POST", "/admin/users/{owner}/suspend", (302, 403, 403, 403)),
    ("POST", "/admin/users/{owner}/reinstate", (302, 403, 403, 403)),
    ("POST", "/admin/users/{owner}/sign-out", (302, 403, 403, 403)),
    ("POST", "/admin/complaints/{complaint}/handle", (302, 403, 403, 403)),
    ("POST", "/payments/connect/{org}", (302, 404, 403, 302)),
    ("GET", "/payments/connect/{org}/return", (302, 404, 403, 200)),
    ("GET", "/media/{key}", (200, 200, 200, 200)),
    # Impact: an organisation's figures and exports are its members'; its sites' figures are
    # public, a resident's home is its owner's alone.
    ("GET", "/impact/organisations/{org}", (302, 404, 200, 200)),
    ("GET", "/impact/organisations/{org}/handovers.csv", (302, 404, 200, 200)),
    ("GET", "/impact/organisations/{org}/handovers.json", (302, 404, 200, 200)),
    ("GET", "/impact/sites/{org_site}", (200, 200, 200, 200)),
    ("GET", "/impact/sites/{personal_site}", (404, 404, 404, 200)),
    # Saved searches are their user's alone (the owner's here; an empty form is refused).
    ("GET", "/saved-searches/{saved}/edit", (302, 404, 404, 200)),
    ("POST", "/saved-searches/{saved}/edit", (302, 404, 404, 422)),
    ("POST", "/saved-searches/{saved}/delete", (302, 404, 404, 302)),
    # The public API shows what the public pages show, and nothing more.
    ("GET", "/api/v1/listings/{org_listing}", (200, 200, 200, 200)),
    ("GET", "/api/v1/listings/{draft}", (404, 404, 404, 404)),
    # The partner area: members look, owners change (an empty form is refused or ignored).
    ("GET", "/organisations/{org}/partner", (302, 404, 200, 200)),
    ("POST", "/organisations/{org}/partner/keys", (302, 404, 403, 422)),
    ("POST", "/organisations/{org}/partner/keys/revoke", (302, 404, 403, 302)),
    ("GET", "/organisations/{org}/partner/webhooks", (302, 404, 200, 200)),
    ("POST", "/organisations/{org}/partner/webhooks", (302, 404, 403, 422)),
    ("POST", "/organisations/{org}/partner/webhooks/delete", (302, 404, 403, 302)),
    ("GET", "/organisations/{org}/partner/feed", (302, 404, 200, 200)),
    ("POST", "/organisations/{org}/partner/feed", (302, 404, 403, 422)),
    ("POST", "/organisations/{org}/partner/feed/delete", (302, 404, 403, 302)),
    ("POST", "/organisations/{org}/partner/feed/pull", (302, 404, 403, 302)),
    ("GET", "/organisations/{org}/partner/sync", (302, 404, 200, 200)),
    # The partner API takes keys, never the browser's session: even the owner gets 401.
    ("GET", "/api/v1/inventory/{external_id}", (401, 401, 401, 401)),
    ("GET", "/api/v1/reservations/{reservation}", (401, 401, 401, 401)),
    ("POST", "/api/v1/reservations/{reservation}/accept", (401, 401, 401, 401)),
    ("POST", "/api/v1/reservations/{reservation}/decline", (401, 401, 401, 401)),
    ("POST", "/api/v1/reservations/{reservation}/complete", (401, 401, 401, 401)),
    ("GET", "/api/v1/webhooks/{webhook}", (401, 401, 401, 401)),
]
VISITORS = ("anonymous", "stranger", "member", "owner")
FORMS = {
    "/edit": {
        "name": "Renamed",
        "kind": "business",
        "address": "Katu 1",
        "postal_code": "02100",
        "city": "Espoo",
        "latitude": "60.2",
        "longitude": "24.7",
        "owner": "",
    },
    "/members": {"email": "stranger@example.fi", "role": "member"},
    "/role": {"role": "owner"},
}
RULE_NAMES = {
    "{org}": "<int:organisation_id>",
    "{owner}": "<int:user_id>",
    "{member}": "<int:user_id>",
    "{org_site}": "<int:site_id>",
    "{personal_site}": "<int:site_id>",
    "{org_listing}": "<int:listing_id>",
    "{personal_listing}": "<int:listing_id>",
    "{draft}": "<int:listing_id>",
    "{photo}": "<int:photo_id>",
    "{key}": "<path:key>",
    "{reservation}": "<int:reservation_id>",
    "{saved}": "<int:saved_search_id>",
    "{external_id}": "<external_id>",
    "{webhook}": "<int:webhook_id>",
    "{target}": "<any(listing, organisation, message, user):target>",
    "{target_id}": "<int:target_id>",
    "{decision}": "<int:decision_id>",
    "{complaint}": "<int:complaint_id>",
    "/new/{org_listing}": "/new/<int:listing_id>",
}
ACTIONS = ("/publish", "/pause", "/close")


def form_for(pattern: str, world: World) -> dict[str, str]:
    for suffix, data in FORMS.items():
        if pattern.endswith(suffix):
            prefixed = {f"member-{world.owner.id}-{k}": v for k, v in data.items()}
            return {**data, **prefixed}
    return {}


def as_rule(pattern: str) -> str:
    for placeholder, rule in RULE_NAMES.items():
        pattern = pattern.replace(placeholder, rule)
    if pattern.endswith(ACTIONS):
        pattern = pattern.rsplit("/", 1)[0] + "/<any(publish, pause, close):action>"
    return pattern


def test_every_object_route_is_in_the_matrix(app: Flask) -> None:
    covered = {as_rule(pattern) for _, pattern, _ in MATRIX + RESERVATION_MATRIX}
    object_routes = {
        rule.rule for rule in app.url_map.iter_rules() if rule.arguments - {"filename", "token"}
    }
    assert object_routes <= covered, object_routes - covered


def check_access(
    client: Client, world: World, method: str, pattern: str, visitor: str, expected: int
) -> None:
    """One visitor tries one route; those who may not change anything there change nothing."""
    url = pattern.format(**world.placeholders())
    if visitor != "anonymous":
        client.sign_in(f"{visitor}@example.fi", PASSWORD)
    before = database_fingerprint()
    if method == "GET":
        response = client.get(url)
        response.close()
    else:
        response = client.submit(url, form_for(pattern, world))
    assert response.status_code == expected, (visitor, method, url)
    if not may_change(visitor, expected):
        assert database_fingerprint() == before


# Visitors with no business on any route of the matrix.
BYSTANDERS = ("anonymous", "stranger")


def may_change(visitor: str, status: int) -> bool:
    return visitor not in BYSTANDERS and status < 400


def sharing_groups(method: str, statuses: dict[str, int]) -> list[tuple[str, ...]]:
    """Visitors who can try a route one after another in the same world, each in a browser of
    their own: no GET writes (test_no_get_route_writes), nor does a refused POST (checked
    above). A POST that goes through may change what the next visitor would meet, so such a
    visitor comes last in a world, and each of them has a world of their own."""
    if method == "GET":
        return [tuple(statuses)]
    refused = tuple(
        visitor for visitor, status in statuses.items() if not may_change(visitor, status)
    )
    allowed = [visitor for visitor, status in statuses.items() if may_change(visitor, status)]
    if not allowed:
        return [refused]
    return [(*refused, allowed[0]), *((visitor,) for visitor in allowed[1:])]


def access_cases(
    matrix: list[tuple[str, str, tuple[int, ...]]], parties: tuple[str, ...]
) -> list[Any]:
    cases = []
    for method, pattern, expected in matrix:
        statuses = dict(zip(parties, expected, strict=True))
        for group in sharing_groups(method, statuses):
            cases.append(
                pytest.param(
                    method,
                    pattern,
                    {visitor: statuses[visitor] for visitor in group},
                    id=f"{method}-{pattern}-{'+'.join(group)}",
                )
            )
    return cases


# Reservations have a third party: the customer who made the request.
# (method, URL pattern, expected for: anonymous, stranger, customer, member, owner).
RESERVATION_MATRIX: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", "/reservations/new/{org_listing}", (302, 200, 200, 200, 200)),
    ("POST", "/reservations/new/{org_listing}", (302, 422, 422, 422, 422)),
    ("GET", "/reservations/{reservation}", (302, 404, 200, 200, 200)),
    ("POST", "/reservations/{reservation}/accept", (302, 404, 404, 302, 302)),
    ("POST", "/reservations/{reservation}/decline", (302, 404, 404, 302, 302)),
    ("POST", "/reservations/{reservation}/cancel", (302, 404, 302, 302, 302)),
    ("GET", "/reservations/{reservation}/handover", (302, 404, 404, 200, 200)),
    ("POST", "/reservations/{reservation}/handover", (302, 404, 404, 422, 422)),
    ("POST", "/reservations/{reservation}/messages", (302, 404, 422, 422, 422)),
    ("GET", "/reservations/{reservation}/qr.svg", (302, 404, 200, 200, 200)),
    ("POST", "/reservations/{reservation}/reduce", (302, 404, 302, 302, 302)),
    # Paying is the customer's alone; without Stripe they are told so, not shown an error.
    ("POST", "/payments/checkout/{reservation}", (302, 404, 302, 404, 404)),
    ("GET", "/payments/checkout/{reservation}/return", (302, 404, 302, 404, 404)),
    ("GET", "/payments/checkout/{reservation}/cancelled", (302, 404, 302, 404, 404)),
]
PARTIES = ("anonymous", "stranger", "customer", "member", "owner")


@pytest.mark.parametrize(
    ("method", "pattern", "statuses"),
    access_cases(MATRIX, VISITORS) + access_cases(RESERVATION_MATRIX, PARTIES),
)
def test_access_matrix(
    new_client: Callable[..., Client],
    world: World,
    method: str,
    pattern: str,
    statuses: dict[str, int],
) -> None:
    for visitor, expected in statuses.items():
        check_access(new_client(), world, method, pattern, visitor, expected)
