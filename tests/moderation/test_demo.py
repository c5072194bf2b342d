"""The demo shows moderation at work: notices in the queue, a listing held for review, and a
decision contested and reversed; loading it again adds nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from marketplace.extensions import db
from marketplace.models import (
    CaseStatus,
    Complaint,
    ComplaintStatus,
    Decision,
    ListingStatus,
    ModerationCase,
    Notice,
)
from marketplace.moderation import queue, transparency


def count(model: type) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


@pytest.mark.slow
def test_the_demo_has_a_queue_a_decision_and_a_complaint(
    app: Flask, runner: FlaskCliRunner
) -> None:
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "4 moderation notices added" in first.output
    open_cases = queue.open_cases()
    assert len(open_cases) == 2 and open_cases[0].sources == 2
    assert [listing.status for listing in queue.held_listings()] == [ListingStatus.PENDING_REVIEW]
    complaint = db.session.scalars(sa.select(Complaint)).one()
    assert complaint.status == ComplaintStatus.REVERSED
    assert complaint.handled_by_id != complaint.decision.decided_by_id
    decided = db.session.scalars(
        sa.select(ModerationCase).where(ModerationCase.status == CaseStatus.DECIDED)
    ).one()
    assert decided.decisions[0].reversed_at is not None
    report = transparency.report(transparency.current_year())
    assert report.notices_total == 4 and report.reversals == 1
    assert report.median_hours == 26.0

    before = (count(Notice), count(Decision), count(Complaint))
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0, second.output
    assert "0 moderation notices added" in second.output
    assert (count(Notice), count(Decision), count(Complaint)) == before
