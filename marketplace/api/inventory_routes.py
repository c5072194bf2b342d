"""The partner's inventory (DESIGN §6): one item by its external id, the whole list for
syncing back, and batches of up to a thousand items."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.api import bp
from marketplace.api.access import (
    ApiProblem,
    answer,
    json_body,
    partner,
    problem_document,
    read_endpoint,
    write_endpoint,
)
from marketplace.api.paging import PAGING, Position, cursor, limit, page, updated_since
from marketplace.api.serializers import item_as_dict
from marketplace.core.clock import utcnow
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Listing, PartnerItem, SyncKind
from marketplace.partners import item_sync, sync_history
from marketplace.partners.item_sync import ItemResult, Outcome, SyncReport, SyncRequest
from marketplace.partners.items import check_external_id
from marketplace.partners.transactions import one_transaction

MODES = ("upsert", "replace")


def _items_query(organisation_id: int) -> sa.Select[PartnerItem, Listing]:
    return (
        sa.select(PartnerItem, Listing)
        .join(PartnerItem.listing)
        .where(PartnerItem.organisation_id == organisation_id)
        .options(
            selectinload(Listing.site),
            selectinload(Listing.category),
            selectinload(Listing.organisation),
            selectinload(Listing.photos),
        )
    )


def _item_document(organisation_id: int, external_id: str) -> dict[str, Any]:
    row = db.session.execute(
        _items_query(organisation_id).where(PartnerItem.external_id == external_id)
    ).first()
    if row is None:
        raise NotFound(_l("No item with this external id."))
    stored, listing = row
    return item_as_dict(listing, stored)


@bp.get("/inventory")
@read_endpoint("inventory:read", PAGING)
def inventory_list() -> Response:
    """The partner's items, least recently updated first, a page at a time."""
    since, after, size = updated_since(), cursor(), limit()
    query = _items_query(partner().organisation_id)
    if since is not None:
        query = query.where(Listing.updated_at >= since)
    if after is not None:
        query = query.where(
            sa.tuple_(Listing.updated_at, Listing.id) > sa.tuple_(after.updated_at, after.id)
        )
    rows = db.session.execute(query.order_by(Listing.updated_at, Listing.id).limit(size + 1))
    found, next_cursor = page(list(rows), size, lambda row: Position(row[1].updated_at, row[1].id))
    return jsonify(
        {
            "items": [item_as_dict(listing, stored) for stored, listing in found],
            "next_cursor": next_cursor,
        }
    )


@bp.get("/inventory/<external_id>")
@read_endpoint("inventory:read")
def inventory_item(external_id: str) -> Response:
    return jsonify(_item_document(partner().organisation_id, external_id))


def _prefixed(result: ItemResult, prefix: str) -> list[dict[str, Any]]:
    return [
        {"field": f"{prefix}.{p.field}" if p.field else prefix, "message": p.message}
        for p in result.problems
    ]


def _put_answer(report: SyncReport) -> None:
    result = report.results[0]
    if result.outcome == Outcome.FAILED:
        detail = result.problems[0].message if result.problems else None
        answer()(result.status, problem_document(result.status, detail, result.problems))
        return
    assert result.external_id is not None
    item = _item_document(partner().organisation_id, result.external_id)
    answer()(result.status, {"result": result.outcome.value, "item": item})


@bp.put("/inventory/<external_id>")
@write_endpoint("inventory:write")
def put_item(external_id: str) -> None:
    """Create (201) or update (200) one item; unchanged data changes nothing (200)."""
    check_external_id(external_id)
    body = json_body()
    if not isinstance(body, dict):
        raise ApiProblem(422, _l("Send the item as a JSON object."), "body")
    if body.get("external_id", external_id) != external_id:
        message = _l("The external id differs from the one in the URL.")
        raise ApiProblem(422, message, "external_id")
    item = {**body, "external_id": external_id}
    item_sync.sync(SyncRequest(partner().target(), "upsert", [(None, item)]), _put_answer)


@bp.delete("/inventory/<external_id>")
@write_endpoint("inventory:write")
def delete_item(external_id: str) -> None:
    """Withdraw the item; its reservations are honoured."""
    who = partner()
    with one_transaction():
        result = item_sync.withdraw(who.target(), external_id)
        if result.outcome == Outcome.FAILED:
            detail = result.problems[0].message if result.problems else None
            answer()(result.status, problem_document(result.status, detail, result.problems))
            return
        item = _item_document(who.organisation_id, external_id)
        answer()(200, {"result": result.outcome.value, "item": item})


def _result_document(result: ItemResult, prefix: str) -> dict[str, Any]:
    return {
        "index": result.index,
        "external_id": result.external_id,
        "result": result.outcome.value,
        "status": result.status,
        "listing_id": result.listing_id,
        "errors": _prefixed(result, prefix),
    }


def _batch_document(report: SyncReport, run_id: int) -> dict[str, Any]:
    return {
        "mode": report.mode,
        "sync_run_id": run_id,
        "counts": report.counts(),
        "results": [_result_document(r, f"items[{r.index}]") for r in report.results],
        "withdrawn": [_result_document(r, "withdrawn") for r in report.withdrawn],
    }


def _batch_request(body: Any) -> tuple[str, list[Any]]:
    if not isinstance(body, dict):
        raise ApiProblem(422, _l('Send {"mode": ..., "items": [...]}.'), "body")
    unknown = sorted(set(body) - {"mode", "items"})
    if unknown:
        raise ApiProblem(422, _l("Only mode and items belong in a batch."), unknown[0])
    mode = body.get("mode", "upsert")
    if mode not in MODES:
        raise ApiProblem(422, _l("Choose upsert or replace."), "mode")
    items = body.get("items")
    if not isinstance(items, list):
        raise ApiProblem(422, _l("Give the items as a list."), "items")
    most = int(current_app.config["API_BATCH_MAX_ITEMS"])
    if len(items) > most:
        message = _l("A batch holds at most %(count)d items; send several.", count=most)
        raise ApiProblem(413, message, "items")
    if mode == "replace" and not items:
        problem = _l("Replace mode needs at least one item; withdraw items with DELETE instead.")
        raise ApiProblem(422, problem, "items")
    return str(mode), items


@bp.post("/inventory/batch")
@write_endpoint("inventory:write")
def batch() -> None:
    """Apply up to API_BATCH_MAX_ITEMS items, each on its own, with a result for each."""
    mode, items = _batch_request(json_body())
    target, started = partner().target(), utcnow()

    def finish(report: SyncReport) -> None:
        run = sync_history.record(target, SyncKind.BATCH, report, started)
        answer()(200, _batch_document(report, run.id))

    item_sync.sync(SyncRequest(target, mode, list(enumerate(items))), finish)
