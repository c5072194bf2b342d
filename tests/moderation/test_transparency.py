"""The transparency report (DSA Art. 15): its figures for a year, on the page and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import (
    Decision,
    DecisionAction,
    GroundKind,
    Listing,
    ModerationCase,
    NoticeReason,
    User,
)
from marketplace.moderation import complaints, transparency
from tests.moderation.conftest import Mail, decide, report
from tests.support import Client, text

REASONS = "The sheets are fibre cement without asbestos; see the survey."


def test_the_years_figures(
    app: Flask,
    make_listing: Callable[..., Listing],
    lister: User,
    moderator: User,
    second_moderator: User,
    mailbox: list[Mail],
) -> None:
    first, second, third = (make_listing(owner=lister) for _ in range(3))
    report(first)
    report(first, reason=NoticeReason.SPAM, address="192.0.2.2")
    report(second, reason=NoticeReason.SPAM)
    removal = decide(first, moderator, DecisionAction.REMOVE_LISTING)
    decide(
        second, moderator, DecisionAction.NO_ACTION, ground="other-law", ground_detail="Act 1/2026"
    )
    decide(third, moderator, DecisionAction.RESTRICT_VISIBILITY)  # own initiative
    # The first case waited 10 hours, the second 30: the median is 20.
    for case, hours in zip(db.session.scalars(sa.select(ModerationCase)), (10, 30), strict=True):
        decided = db.session.scalars(sa.select(Decision).where(Decision.case_id == case.id)).one()
        case.opened_at = decided.decided_at - timedelta(hours=hours)
    db.session.commit()
    complaint = complaints.file_complaint(removal.id, lister, REASONS)
    complaints.handle_complaint(complaint.id, second_moderator, reverse=True, outcome=REASONS)

    found = transparency.report(transparency.current_year())
    assert found.notices[NoticeReason.SPAM] == 2 and found.notices_total == 3
    assert found.decisions_by_action[DecisionAction.REMOVE_LISTING] == 1
    assert found.decisions_by_action[DecisionAction.SUSPEND_INDEFINITELY] == 0
    assert found.decisions_by_ground == {GroundKind.LAW: 1, GroundKind.TERMS: 2}
    assert (found.on_notice, found.own_initiative, found.automated) == (2, 1, 0)
    assert found.median_hours == 20.0
    assert found.complaints_total == 1 and found.reversals == 1
    assert transparency.report(transparency.current_year() - 1).notices_total == 0

    rows = list(csv.DictReader(io.StringIO(transparency.csv_file(found).lstrip("\ufeff"))))
    by_key = {(row["measure"], row["category"]): row["value"] for row in rows}
    assert by_key[("notices", "spam")] == "2"
    assert by_key[("median_hours_to_decision", "")] == "20.0"
    assert by_key[("complaints", "reversed")] == "1"
    assert by_key[("reversals", "")] == "1"


def test_the_report_as_page_and_csv(
    app: Flask,
    bricks: Listing,
    moderator: User,
    signed_in: Callable[[User], Client],
    mailbox: list[Mail],
) -> None:
    report(bricks)
    browser = signed_in(moderator)
    year = transparency.current_year()
    page = text(browser.get("/admin/transparency"))
    assert f"<h1>Transparency report {year}</h1>" in page
    assert '<td id="notices-total"><strong>1</strong></td>' in page
    download = browser.get(f"/admin/transparency.csv?year={year}")
    assert download.mimetype == "text/csv"
    assert f"transparency-report-{year}.csv" in download.headers["Content-Disposition"]
    assert browser.get("/admin/transparency?year=1990").status_code == 404
