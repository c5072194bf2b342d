"""Decisions with their statement of reasons (DSA Art. 17): each action does what it says,
the affected person is told in their language, in the app and by e-mail, the reporters are
told, and removed content never comes back by copying or publishing it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import utcnow
from marketplace.errors import Conflict, Forbidden, ValidationError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.models import (
    CaseStatus,
    Decision,
    DecisionAction,
    GroundKind,
    Language,
    Listing,
    ListingStatus,
    ModerationCase,
    ModerationTarget,
    Notice,
    Notification,
    User,
)
from marketplace.moderation import decisions, statements
from marketplace.search.documents import searchable
from tests.moderation.conftest import Mail, decide, decision_entry, report
from tests.support import Client, text


def is_searchable(listing: Listing) -> bool:
    db.session.rollback()
    query = sa.select(Listing.id).where(Listing.id == listing.id, searchable())
    return db.session.scalar(query) is not None


def notifications_of(user: User) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_removal_states_its_reasons_to_the_lister_and_tells_the_reporters(
    app: Flask, bricks: Listing, lister: User, moderator: User, mailbox: list[Mail]
) -> None:
    report(bricks, email="sven@example.fi", locale=Language.SV)
    report(bricks, email="raili@example.fi", address="192.0.2.2")
    mailbox.clear()
    decision = decide(bricks, moderator, DecisionAction.REMOVE_LISTING)

    db.session.refresh(bricks)
    assert bricks.status == ListingStatus.REMOVED
    assert bricks.removed_by_decision_id == decision.id
    assert decision.restored == {"listing_status": "active"}
    assert decision.ground_kind == GroundKind.TERMS and decision.decided_by_id == moderator.id
    assert decision.affected_user_id == lister.id and decision.statement_sent_at is not None
    assert db.session.scalars(sa.select(ModerationCase)).one().status == CaseStatus.DECIDED
    assert not is_searchable(bricks)

    # The statement: in the app, and by e-mail in the lister's language (Finnish).
    [note] = notifications_of(lister)
    assert note.kind == "moderation_decision" and note.data["action"] == "remove_listing"
    statement = next(mail for mail in mailbox if mail.to == lister.email)
    assert "Listing photo 2 shows corrugated asbestos" in statement.body
    assert f"/moderation/decisions/{decision.id}?token=" in statement.body
    assert "Keran materiaalitori" in statement.body
    # The reporters, each in the language they reported in.
    to_reporters = {mail.to: mail.body for mail in mailbox if mail.to != lister.email}
    assert set(to_reporters) == {"sven@example.fi", "raili@example.fi"}
    assert "Kera materialtorg" in to_reporters["sven@example.fi"]
    assert "Keran materiaalitori" in to_reporters["raili@example.fi"]
    assert all(n.decision_sent_at for n in db.session.scalars(sa.select(Notice)))


def test_restriction_hides_the_listing_from_search_but_not_its_page(
    app: Flask, client: Client, bricks: Listing, moderator: User, mailbox: list[Mail]
) -> None:
    decision = decide(bricks, moderator, DecisionAction.RESTRICT_VISIBILITY)
    db.session.refresh(bricks)
    assert bricks.status == ListingStatus.ACTIVE and bricks.restricted_at is not None
    assert decision.restored == {"listing_restricted_at": None}
    assert not is_searchable(bricks)
    assert client.get(f"/listings/{bricks.id}").status_code == 200
    with pytest.raises(Conflict):
        decide(bricks, moderator, DecisionAction.RESTRICT_VISIBILITY)


@pytest.mark.parametrize(
    "action", [DecisionAction.SUSPEND_TEMPORARILY, DecisionAction.SUSPEND_INDEFINITELY]
)
def test_suspension_by_decision(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    mailbox: list[Mail],
    action: DecisionAction,
) -> None:
    decision = decide(bricks, moderator, action)
    db.session.refresh(lister)
    assert lister.is_suspended() and lister.suspension_decision_id == decision.id
    assert decision.restored == {
        "user_suspended_until": None,
        "user_suspended_indefinitely": False,
    }
    if action == DecisionAction.SUSPEND_TEMPORARILY:
        assert decision.suspended_until is not None
        assert lister.suspended_until == decision.suspended_until
        assert decision.suspended_until - utcnow() > timedelta(days=29)
    else:
        assert lister.suspended_indefinitely and decision.suspended_until is None
    assert not is_searchable(bricks)
    assert any(mail.to == lister.email for mail in mailbox)


def test_no_action_restricts_nothing_and_sends_no_statement(
    app: Flask, bricks: Listing, lister: User, moderator: User, mailbox: list[Mail]
) -> None:
    report(bricks, locale=Language.EN)
    decision = decide(bricks, moderator, DecisionAction.NO_ACTION)
    assert decision.affected_user_id is None and decision.restored == {}
    assert notifications_of(lister) == []
    assert [mail.to for mail in mailbox] == ["raili@example.fi", "raili@example.fi"]
    assert "no action" in mailbox[-1].body
    assert is_searchable(bricks)


def test_a_decision_is_checked_before_anything_changes(
    app: Flask,
    bricks: Listing,
    resident: User,
    moderator: User,
    make_organisation: Callable[..., Any],
    mailbox: list[Mail],
) -> None:
    with pytest.raises(Forbidden):
        decide(bricks, resident, DecisionAction.REMOVE_LISTING)
    with pytest.raises(ValidationError) as short:
        decide(bricks, moderator, DecisionAction.REMOVE_LISTING, facts="short")
    assert short.value.field == "facts"
    with pytest.raises(ValidationError) as unnamed:
        decide(bricks, moderator, DecisionAction.REMOVE_LISTING, ground="other-law")
    assert unnamed.value.field == "ground_detail"
    with pytest.raises(ValidationError) as days:
        decide(bricks, moderator, DecisionAction.SUSPEND_TEMPORARILY, suspend_days=None)
    assert days.value.field == "suspend_days"
    organisation = make_organisation(resident)
    with pytest.raises(ValidationError) as unfit:
        decisions.decide_on_item(
            ModerationTarget.ORGANISATION,
            organisation.id,
            moderator,
            decision_entry(DecisionAction.REMOVE_LISTING),
        )
    assert unfit.value.field == "action"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_a_refused_suspension_leaves_the_case_open(
    app: Flask,
    make_listing: Callable[..., Listing],
    make_user: Callable[..., User],
    moderator: User,
    mailbox: list[Mail],
) -> None:
    from marketplace.models import Role

    colleague = make_user(role=Role.MODERATOR)
    listing = make_listing(owner=colleague)
    report(listing)
    with pytest.raises(Forbidden):
        decide(listing, moderator, DecisionAction.SUSPEND_INDEFINITELY)
    db.session.rollback()
    assert db.session.scalars(sa.select(ModerationCase)).one().status == CaseStatus.OPEN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_another_provision_is_stated_in_the_moderators_words(
    app: Flask, bricks: Listing, moderator: User, mailbox: list[Mail]
) -> None:
    decision = decide(
        bricks,
        moderator,
        DecisionAction.REMOVE_LISTING,
        ground="other-law",
        ground_detail="Product Safety Act (920/2011), section 6",
    )
    assert decision.ground_kind == GroundKind.LAW
    assert decision.ground == "Product Safety Act (920/2011), section 6"


def test_removed_content_is_neither_copied_nor_published_again(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    decide(bricks, moderator, DecisionAction.REMOVE_LISTING)
    listings_before = db.session.scalar(sa.select(sa.func.count()).select_from(Listing))
    with pytest.raises(Conflict):
        listing_services.duplicate_listing(bricks, lister)
    with pytest.raises(Conflict):
        listing_services.publish_listing(bricks, lister)
    browser = signed_in(lister)
    copied = browser.submit(f"/listings/{bricks.id}/duplicate")
    assert copied.headers["Location"] == f"/listings/{bricks.id}"
    published = browser.submit(f"/listings/{bricks.id}/publish")
    assert published.status_code == 302
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) == listings_before
    assert bricks.status == ListingStatus.REMOVED
    page = text(browser.get(f"/listings/{bricks.id}"))
    assert f"/listings/{bricks.id}/duplicate" not in page
    assert 'id="statement-link"' in page


def test_a_moderator_on_a_listing_page_goes_through_the_same_decision(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    report(bricks)
    browser = signed_in(moderator)
    page = text(browser.get(f"/listings/{bricks.id}"))
    assert f'href="/admin/moderation/listing/{bricks.id}"' in page
    assert f"/listings/{bricks.id}/remove" not in page
    response = browser.submit(
        f"/admin/moderation/listing/{bricks.id}/decide",
        {
            "action": "remove_listing",
            "ground": "terms-hazard-declaration",
            "facts": "The photos show asbestos cement sheets.",
        },
    )
    assert response.status_code == 302
    decision = db.session.scalars(sa.select(Decision)).one()
    assert decision.case_id is not None  # the waiting notice is answered too
    assert [n.kind for n in notifications_of(lister)] == ["moderation_decision"]


def test_the_statement_is_for_the_affected_person_and_moderators(
    app: Flask,
    client: Client,
    bricks: Listing,
    lister: User,
    resident: User,
    moderator: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    decision = decide(bricks, moderator, DecisionAction.REMOVE_LISTING)
    url = f"/moderation/decisions/{decision.id}"
    token = statements.token_for(decision)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?token=forged").status_code == 404
    assert signed_in(resident).get(url).status_code == 404
    by_link = text(client.get(f"{url}?token={token}"))
    assert "The photos" not in by_link and "Listing photo 2 shows" in by_link
    assert 'id="complaint-form"' in by_link
    assert 'id="complaint-form"' in text(signed_in(lister).get(url))
    # A moderator reads it, but the complaint is the affected person's.
    assert 'id="complaint-form"' not in text(signed_in(moderator).get(url))


def test_moderators_read_every_decision_the_person_only_restrictions(
    app: Flask,
    bricks: Listing,
    lister: User,
    moderator: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    decision = decide(bricks, moderator, DecisionAction.NO_ACTION)
    url = f"/moderation/decisions/{decision.id}"
    page = text(signed_in(moderator).get(url))
    assert 'id="statement-action"' in page and 'id="complaint"' not in page
    assert signed_in(lister).get(url).status_code == 404
