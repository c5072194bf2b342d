"""Applying partners' items to listings, through the listing services: a batch over the API,
a single PUT, or a feed.

An item becomes a listing of the partner's organisation, owned by the person who created the
key (or the feed), at the organisation's site named in `location.name`: an existing site of
that name is used as it is, and a name the organisation has no site for creates one from the
location's address, postal code, city and coordinates (`sync_context`).

Work happens in two steps. First, outside any transaction, every item is checked and planned
(`sync_planning`: unchanged items stop there, and photos are fetched so that no download ever
holds the database). Then, in one transaction with a savepoint per item (see `transactions`),
each item is applied on its own (`sync_apply`, or `sync_bulk` for new items that can be saved
together), and in replace mode the partner's items missing from the batch are withdrawn
(`sync_withdrawal`). What happened to each item is the report (`sync_report`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from marketplace.partners.sync_apply import apply_one, stored_now
from marketplace.partners.sync_bulk import can_create_together, create_together
from marketplace.partners.sync_context import SyncContext
from marketplace.partners.sync_planning import PhotoFetcher, Plan, prepare
from marketplace.partners.sync_report import ItemResult, SyncReport, SyncTarget
from marketplace.partners.sync_withdrawal import withdraw_absent
from marketplace.partners.transactions import one_transaction


@dataclass
class SyncRequest:
    target: SyncTarget
    mode: str  # "upsert" or "replace"
    raw_items: Sequence[tuple[int | None, Any]]
    # Items applied per transaction before the last one; feeds keep transactions short.
    chunk: int = 1000
    photos: PhotoFetcher | None = None


def sync(request: SyncRequest, finish: Callable[[SyncReport], None] | None = None) -> SyncReport:
    """Apply the items and, in replace mode, withdraw the absent ones. `finish` runs inside
    the last transaction, so what it writes (history, the idempotent answer) commits with
    the effect or not at all."""
    plans, results, named = prepare(
        request.target.organisation_id, request.raw_items, request.photos
    )
    report = SyncReport(request.mode, results)
    head, last = _split(plans, request.chunk)
    for part in head:
        with one_transaction():
            report.results += _apply_all(request.target, part)
    with one_transaction():
        report.results += _apply_all(request.target, last)
        if request.mode == "replace":
            report.withdrawn = withdraw_absent(SyncContext(request.target), named)
        report.results.sort(key=lambda result: (result.index is None, result.index or 0))
        if finish is not None:
            finish(report)
    return report


def _split(plans: list[Plan], size: int) -> tuple[list[list[Plan]], list[Plan]]:
    parts = [plans[start : start + size] for start in range(0, len(plans), size)] or [[]]
    return parts[:-1], parts[-1]


def _apply_all(target: SyncTarget, plans: list[Plan]) -> list[ItemResult]:
    if not plans:
        return []
    context = SyncContext(target)
    stored = stored_now(target.organisation_id, [step.item.external_id for step in plans])
    results: list[ItemResult] = []
    fresh: list[Plan] = []
    for step in plans:
        found = stored.get(step.item.external_id)
        if can_create_together(context, step, found):
            fresh.append(step)
        else:
            results.append(apply_one(context, step, found))
    return results + create_together(context, fresh)
