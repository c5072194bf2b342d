"""People of every role, a listing to report, and a mailbox that keeps what was sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from marketplace.mail import mailer
from marketplace.models import (
    DecisionAction,
    Language,
    Listing,
    ModerationTarget,
    NoticeReason,
    Role,
    User,
)
from marketplace.moderation import decisions, notices
from tests.support import Client


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> list[Mail]:
    """Every e-mail the product sends, as the mailer was asked to send it."""
    sent: list[Mail] = []

    def keep(to: str, subject: str, body: str, headers: Any = None) -> None:
        sent.append(Mail(to, subject, body))

    monkeypatch.setattr(mailer, "send", keep)
    return sent


@pytest.fixture
def lister(make_user: Callable[..., User]) -> User:
    return make_user(email="lister@example.fi", name="Liisa Lister", locale=Language.FI)


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(email="resident@example.fi", name="Resident")


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    return make_user(email="moderator@example.fi", name="Moderator", role=Role.MODERATOR)


@pytest.fixture
def second_moderator(make_user: Callable[..., User]) -> User:
    return make_user(email="moderator2@example.fi", name="Other Moderator", role=Role.MODERATOR)


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(email="admin@example.fi", name="Administrator", role=Role.ADMIN)


@pytest.fixture
def bricks(make_listing: Callable[..., Listing], lister: User) -> Listing:
    return make_listing(owner=lister)


@pytest.fixture
def signed_in(app: Flask) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        browser: Client = app.test_client()  # type: ignore[assignment]
        browser.sign_in(user.email)
        return browser

    return sign_in


def entry(**changes: Any) -> notices.NoticeEntry:
    values: dict[str, Any] = {
        "reason": NoticeReason.HAZARDOUS_UNDECLARED,
        "explanation": "Kuvissa näkyy asbestia sisältävää levyä.",
        "location": "",
        "name": "Raili Raportoija",
        "email": "raili@example.fi",
        "good_faith": True,
    }
    return notices.NoticeEntry(**{**values, **changes})


def report(
    listing: Listing,
    *,
    address: str | None = "192.0.2.1",
    reporter: User | None = None,
    locale: Language = Language.FI,
    **changes: Any,
) -> Any:
    return notices.submit_notice(
        ModerationTarget.LISTING,
        listing.id,
        entry(**changes),
        reporter=reporter,
        locale=locale,
        source_address=address,
    )


def decision_entry(action: DecisionAction, **changes: Any) -> decisions.DecisionEntry:
    values: dict[str, Any] = {
        "action": action,
        "ground": "terms-hazard-declaration",
        "ground_detail": "",
        "facts": "Listing photo 2 shows corrugated asbestos cement sheets.",
        "suspend_days": 30 if action == DecisionAction.SUSPEND_TEMPORARILY else None,
    }
    return decisions.DecisionEntry(**{**values, **changes})


def decide(listing: Listing, moderator: User, action: DecisionAction, **changes: Any) -> Any:
    return decisions.decide_on_item(
        ModerationTarget.LISTING, listing.id, moderator, decision_entry(action, **changes)
    )
