"""Reporting (DSA Art. 16): anyone may report, notices on one item group into its open case,
one address cannot flood the queue, and every reporter is answered in their language."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    CaseStatus,
    DecisionAction,
    Language,
    Listing,
    ModerationCase,
    ModerationTarget,
    Notice,
    User,
)
from marketplace.moderation import notices, queue
from marketplace.reservations import materials, transitions
from marketplace.reservations.materials import MaterialRequest
from marketplace.web.links import external_url
from tests.moderation.conftest import Mail, decide, entry, report
from tests.reservations.conftest import tomorrow_at
from tests.support import Client, text

FORM = {
    "reason": "hazardous_undeclared",
    "explanation": "Kuvissa näkyy asbestia sisältävää levyä.",
    "location": "",
    "name": "Raili",
    "email": "raili@example.fi",
    "good_faith": "y",
}


def cases() -> list[ModerationCase]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(ModerationCase).order_by(ModerationCase.id)))


def test_anyone_reports_a_listing_and_is_answered_in_their_language(
    client: Client, bricks: Listing, mailbox: list[Mail]
) -> None:
    url = f"/moderation/report/listing/{bricks.id}"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    form_page = text(client.get(url))
    assert external_url("listings.detail", listing_id=bricks.id) in form_page  # where: filled in
    response = client.submit(url, {**FORM, "location": f"/listings/{bricks.id}, kuva 2"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/listings/{bricks.id}"
    notice = db.session.scalars(sa.select(Notice)).one()
    assert notice.reporter_user_id is None and notice.reporter_locale == Language.SV
    assert notice.location.endswith("kuva 2") and notice.source_ip_digest
    assert notice.acknowledged_at is not None
    [acknowledgement] = mailbox
    assert acknowledgement.to == "raili@example.fi"
    assert bricks.title in acknowledgement.subject
    assert "Kera materialtorg" in acknowledgement.body  # the Swedish signature


def test_the_report_link_is_on_the_listing_page_for_all_but_its_managers(
    client: Client,
    bricks: Listing,
    lister: User,
    signed_in: Callable[[User], Client],
) -> None:
    link = f"/moderation/report/listing/{bricks.id}"
    assert link in text(client.get(f"/listings/{bricks.id}"))
    assert link not in text(signed_in(lister).get(f"/listings/{bricks.id}"))


def test_a_signed_in_reporter_has_name_and_address_filled_in(
    bricks: Listing, resident: User, signed_in: Callable[[User], Client], mailbox: list[Mail]
) -> None:
    browser = signed_in(resident)
    url = f"/moderation/report/listing/{bricks.id}"
    page = text(browser.get(url))
    assert 'value="resident@example.fi"' in page and 'value="Resident"' in page
    form = {**FORM, "email": resident.email, "name": resident.display_name}
    assert browser.submit(url, form).status_code == 302
    notice = db.session.scalars(sa.select(Notice)).one()
    assert notice.reporter_user_id == resident.id
    assert notice.reporter_locale == resident.locale
    assert [mail.to for mail in mailbox] == ["resident@example.fi"]


def test_a_notice_needs_an_explanation_and_good_faith(client: Client, bricks: Listing) -> None:
    url = f"/moderation/report/listing/{bricks.id}"
    assert client.submit(url, {**FORM, "good_faith": ""}).status_code == 422
    assert client.submit(url, {**FORM, "explanation": "bad"}).status_code == 422
    with pytest.raises(ValidationError) as refused:
        report(bricks, good_faith=False)
    assert refused.value.field == "good_faith"
    assert cases() == []


def test_notices_on_one_item_group_into_its_open_case(
    app: Flask, bricks: Listing, moderator: User, mailbox: list[Mail]
) -> None:
    first = report(bricks, email="one@example.fi")
    second = report(bricks, email="two@example.fi", address="192.0.2.2")
    assert first.case_id == second.case_id
    [case] = cases()
    assert case.notice_count == 2 and case.last_notice_at is not None
    decide(bricks, moderator, DecisionAction.NO_ACTION)
    later = report(bricks, email="three@example.fi")
    assert later.case_id != first.case_id
    assert [c.status for c in cases()] == [CaseStatus.DECIDED, CaseStatus.OPEN]


def test_one_address_counts_once_so_a_flood_cannot_bury_the_queue(
    app: Flask, make_listing: Callable[..., Listing], mailbox: list[Mail]
) -> None:
    older, flooded, shared = make_listing(), make_listing(), make_listing()
    report(older, address="192.0.2.10")
    for number in range(6):
        report(flooded, address="198.51.100.66", email=f"flood{number}@example.fi")
    report(shared, address="192.0.2.20")
    report(shared, address="192.0.2.21")
    order = [(item.case.target_id, item.sources) for item in queue.open_cases()]
    assert order == [(shared.id, 2), (older.id, 1), (flooded.id, 1)]


@pytest.fixture
def notices_limited(app_config: dict[str, Any]) -> None:
    app_config["NOTICES_PER_IP"] = "2/hour"


def test_notices_are_rate_limited_per_address(
    notices_limited: None, client: Client, new_client: Any, bricks: Listing, mailbox: list[Mail]
) -> None:
    url = f"/moderation/report/listing/{bricks.id}"
    assert client.submit(url, {**FORM, "good_faith": ""}).status_code == 422  # not counted
    assert client.submit(url, FORM).status_code == 302
    assert client.submit(url, FORM).status_code == 302
    assert client.submit(url, FORM).status_code == 429
    assert new_client("192.0.2.77").submit(url, FORM).status_code == 302


@pytest.fixture
def conversation(make_user: Callable[..., User], bricks: Listing, lister: User) -> Any:
    requester = make_user(email="requester@example.fi", name="Requester")
    reservation = materials.reserve_material(
        requester, bricks, MaterialRequest(Decimal(5), tomorrow_at(), message="Hei!")
    )
    transitions.post_message(reservation, lister, "Soita minulle, idiootti.")
    db.session.commit()
    return reservation, requester


def test_messages_are_reported_by_the_parties_only(
    conversation: Any,
    lister: User,
    resident: User,
    signed_in: Callable[[User], Client],
    client: Client,
    mailbox: list[Mail],
) -> None:
    reservation, requester = conversation
    event = reservation.events[-1]
    url = f"/moderation/report/message/{event.id}"
    page = text(signed_in(requester).get(f"/reservations/{reservation.id}"))
    assert url in page
    # The lister is shown "Report" beside the requester's opening message.
    lister_page = text(signed_in(lister).get(f"/reservations/{reservation.id}"))
    assert f"/moderation/report/user/{requester.id}" in lister_page and url not in lister_page
    assert client.get(url).status_code == 404
    assert signed_in(resident).get(url).status_code == 404
    assert signed_in(requester).submit(url, FORM).status_code == 302
    notice = db.session.scalars(sa.select(Notice)).one()
    assert notice.target_type == ModerationTarget.MESSAGE and notice.target_id == event.id
    assert notice.location.endswith(f"/reservations/{reservation.id}#event-{event.id}")


def test_people_are_reported_only_by_those_who_met_them(
    conversation: Any, lister: User, resident: User
) -> None:
    _, requester = conversation
    for stranger in (None, resident):
        with pytest.raises(NotFound):
            notices.submit_notice(
                ModerationTarget.USER,
                requester.id,
                entry(),
                reporter=stranger,
                locale=Language.FI,
                source_address=None,
            )
    notice = notices.submit_notice(
        ModerationTarget.USER,
        requester.id,
        entry(),
        reporter=lister,
        locale=Language.FI,
        source_address=None,
    )
    assert notice.case.target_type == ModerationTarget.USER


def test_listings_the_public_cannot_see_cannot_be_reported(
    client: Client, make_listing: Callable[..., Listing]
) -> None:
    draft = make_listing(publish=False)
    assert client.get(f"/moderation/report/listing/{draft.id}").status_code == 404
    assert client.get("/moderation/report/listing/999999").status_code == 404


def test_an_organisation_page_offers_report(
    make_organisation: Callable[..., Any],
    lister: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    organisation = make_organisation(lister)
    link = f"/moderation/report/organisation/{organisation.id}"
    browser = signed_in(lister)
    assert link in text(browser.get(f"/organisations/{organisation.id}"))
    assert browser.submit(link, FORM).status_code == 302
    [case] = cases()
    assert case.target_type == ModerationTarget.ORGANISATION
