"""The yearly transparency report (DSA Art. 15(1)): notices by reason, decisions by action
and by ground, how long a decision took after the first notice, complaints and how they
ended. Years are Finnish calendar years."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from marketplace.core.clock import HELSINKI, utcnow
from marketplace.extensions import db
from marketplace.models import (
    Complaint,
    ComplaintStatus,
    Decision,
    DecisionAction,
    GroundKind,
    ModerationCase,
    Notice,
    NoticeReason,
)
from marketplace.web.csv_files import write_csv

CSV_COLUMNS = ("year", "measure", "category", "value")


@dataclass(frozen=True)
class Report:
    year: int
    notices: dict[NoticeReason, int]
    decisions_by_action: dict[DecisionAction, int]
    decisions_by_ground: dict[GroundKind, int]
    on_notice: int
    own_initiative: int
    automated: int
    # From the first notice of a case to its decision; None without decided cases.
    median_hours: float | None
    complaints: dict[ComplaintStatus, int]
    # Decisions reversed in the year, whenever they were taken.
    reversals: int

    @property
    def notices_total(self) -> int:
        return sum(self.notices.values())

    @property
    def decisions_total(self) -> int:
        return sum(self.decisions_by_action.values())

    @property
    def complaints_total(self) -> int:
        return sum(self.complaints.values())


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=HELSINKI), datetime(year + 1, 1, 1, tzinfo=HELSINKI)


def current_year() -> int:
    return utcnow().astimezone(HELSINKI).year


def _within(column: Any, year: int) -> sa.ColumnElement[bool]:
    start, end = year_bounds(year)
    return sa.and_(column >= start, column < end)


def _counts(column: Any, when: Any, year: int) -> Counter[Any]:
    rows = db.session.execute(
        sa.select(column, sa.func.count()).where(_within(when, year)).group_by(column)
    )
    return Counter({key: int(count) for key, count in rows})


def _median_hours(year: int) -> float | None:
    rows = db.session.execute(
        sa.select(Decision.decided_at, ModerationCase.opened_at)
        .join(ModerationCase, Decision.case_id == ModerationCase.id)
        .where(_within(Decision.decided_at, year))
    ).all()
    waits = [(decided - opened).total_seconds() / 3600 for decided, opened in rows]
    return round(statistics.median(waits), 1) if waits else None


def report(year: int) -> Report:
    notices = _counts(Notice.reason, Notice.created_at, year)
    actions = _counts(Decision.action, Decision.decided_at, year)
    ground_kinds = _counts(Decision.ground_kind, Decision.decided_at, year)
    on_notice = _counts(Decision.case_id.is_not(None), Decision.decided_at, year)
    automated = _counts(Decision.automated, Decision.decided_at, year)
    complaints = _counts(Complaint.status, Complaint.created_at, year)
    reversals = db.session.scalar(
        sa.select(sa.func.count()).select_from(Decision).where(_within(Decision.reversed_at, year))
    )
    return Report(
        year=year,
        notices={reason: notices[reason] for reason in NoticeReason},
        decisions_by_action={action: actions[action] for action in DecisionAction},
        decisions_by_ground={kind: ground_kinds[kind] for kind in GroundKind},
        on_notice=on_notice[True],
        own_initiative=on_notice[False],
        automated=automated[True],
        median_hours=_median_hours(year),
        complaints={status: complaints[status] for status in ComplaintStatus},
        reversals=int(reversals or 0),
    )


def rows(found: Report) -> list[dict[str, Any]]:
    """The report as rows of (measure, category, value), the same figures as the page."""
    lines: list[tuple[str, str, Any]] = [
        *(("notices", reason.value, n) for reason, n in found.notices.items()),
        ("notices", "total", found.notices_total),
        *(
            ("decisions_by_action", action.value, n)
            for action, n in found.decisions_by_action.items()
        ),
        *(("decisions_by_ground", kind.value, n) for kind, n in found.decisions_by_ground.items()),
        ("decisions", "total", found.decisions_total),
        ("decisions", "on_notice", found.on_notice),
        ("decisions", "own_initiative", found.own_initiative),
        ("decisions", "automated", found.automated),
        ("median_hours_to_decision", "", found.median_hours),
        *(("complaints", status.value, n) for status, n in found.complaints.items()),
        ("complaints", "total", found.complaints_total),
        ("reversals", "", found.reversals),
    ]
    return [
        {"year": found.year, "measure": measure, "category": category, "value": value}
        for measure, category, value in lines
    ]


def csv_file(found: Report) -> str:
    return write_csv(CSV_COLUMNS, rows(found), numeric=("year", "value"))


def years() -> list[int]:
    """The years with anything to report, and this one, newest first."""
    first = db.session.scalar(sa.select(sa.func.min(Notice.created_at)))
    first_decision = db.session.scalar(sa.select(sa.func.min(Decision.decided_at)))
    moments = [m for m in (first, first_decision) if m is not None]
    this_year = current_year()
    start = min(m.astimezone(HELSINKI).year for m in moments) if moments else this_year
    return list(range(this_year, start - 1, -1))
