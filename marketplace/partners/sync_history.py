"""Sync history: every batch and every feed pull, with its counts and what failed and why."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import Organisation, SyncKind, SyncRun, SyncStatus
from marketplace.partners.sync_report import Outcome, SyncReport, SyncTarget

MAX_FAILURES = 200
KEEP = 100


def _failures(report: SyncReport) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = []
    for result in report.results + report.withdrawn:
        for problem in result.problems if result.outcome == Outcome.FAILED else []:
            listed.append(
                {
                    "index": result.index,
                    "external_id": result.external_id,
                    "field": problem.field,
                    "message": problem.message,
                }
            )
    return listed[:MAX_FAILURES]


def record(
    target: SyncTarget,
    kind: SyncKind,
    report: SyncReport,
    started_at: datetime,
    error: str | None = None,
) -> SyncRun:
    """Add the run to the current transaction."""
    finished = utcnow()
    counts = report.counts()
    status = SyncStatus.PARTIAL if counts["failed"] else SyncStatus.SUCCEEDED
    run = SyncRun(
        organisation_id=target.organisation_id,
        key_id=target.key_id,
        feed_id=target.feed_id,
        kind=kind,
        mode=report.mode,
        status=SyncStatus.FAILED if error else status,
        received=counts["received"],
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        withdrawn=counts["withdrawn"],
        failed=counts["failed"],
        failures=_failures(report),
        error=error[:500] if error else None,
        started_at=started_at,
        finished_at=finished,
        duration_ms=int((finished - started_at).total_seconds() * 1000),
    )
    db.session.add(run)
    db.session.flush()
    return run


def runs_of(organisation: Organisation, limit: int = KEEP) -> list[SyncRun]:
    return list(
        db.session.scalars(
            sa.select(SyncRun)
            .where(SyncRun.organisation_id == organisation.id)
            .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            .limit(limit)
        )
    )
