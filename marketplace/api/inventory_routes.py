"""The partner's inventory: one item by its external id, the whole list for
syncing back, and batches of up to a thousand items. Items are answered in the shape they
are written (`api.models.Item`)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify
from flask_babel import lazy_gettext as _l

from marketplace.api import bp
from marketplace.api.access import (
    ApiProblem,
    answer,
    json_body,
    partner,
    read_body,
    read_endpoint,
    read_query,
    write_endpoint,
)
from marketplace.api.models import (
    BatchRequest,
    BatchResult,
    Item,
    ItemPage,
    ItemResult,
    ItemWritten,
)
from marketplace.api.operations import WRITE_ERRORS, operation
from marketplace.api.parameters import PageQuery
from marketplace.api.serializers import item_model
from marketplace.core.clock import utcnow
from marketplace.models import SyncKind
from marketplace.partners import item_sync, queries, sync_history
from marketplace.partners.checked_items import check_external_id
from marketplace.partners.item_sync import SyncRequest
from marketplace.partners.items import ItemInput
from marketplace.partners.model_errors import Messages
from marketplace.partners.sync_report import ItemResult as SyncResult
from marketplace.partners.sync_report import Outcome, SyncReport
from marketplace.partners.sync_withdrawal import withdraw
from marketplace.partners.transactions import one_transaction
from marketplace.web.error_responses import FieldError, problem_document

BATCH_MESSAGES: Messages = {
    (None, "model_type"): _l('Send {"mode": ..., "items": [...]}.'),
    ("*", "extra_forbidden"): _l("Only mode and items belong in a batch."),
    ("mode", "enum"): _l("Choose upsert or replace."),
    ("items", "list_type"): _l("Give the items as a list."),
}


def _item(organisation_id: int, external_id: str) -> dict[str, Any]:
    stored, listing = queries.item_of(organisation_id, external_id)
    return item_model(listing, stored).document()


@bp.get("/inventory")
@operation(
    "listInventory",
    "The partner's items, least recently updated first",
    "Inventory",
    {200: ItemPage},
    (422,),
    query=PageQuery,
)
@read_endpoint("inventory:read", PageQuery)
def inventory_list() -> Response:
    chosen = read_query(PageQuery)
    page = queries.item_page(partner().organisation_id, chosen.request())
    items = [item_model(listing, stored) for stored, listing in page.rows]
    return jsonify(ItemPage(items=items, next_cursor=page.next_cursor).document())


@bp.get("/inventory/<external_id>")
@operation("getInventoryItem", "One of the partner's items", "Inventory", {200: Item}, (404, 422))
@read_endpoint("inventory:read")
def inventory_item(external_id: str) -> Response:
    check_external_id(external_id)
    return jsonify(_item(partner().organisation_id, external_id))


def _failed(result: SyncResult) -> dict[str, Any]:
    detail = result.problems[0].message if result.problems else None
    return problem_document(result.status, detail, result.problems)


def _put_answer(report: SyncReport) -> None:
    result = report.results[0]
    if result.outcome == Outcome.FAILED:
        answer()(result.status, _failed(result))
        return
    assert result.external_id is not None
    item = _item(partner().organisation_id, result.external_id)
    answer()(result.status, {"result": result.outcome.value, "item": item})


@bp.put("/inventory/<external_id>")
@operation(
    "upsertInventoryItem",
    "Create (201) or update (200) an item; unchanged data is a no-op",
    "Inventory",
    {200: ItemWritten, 201: ItemWritten},
    WRITE_ERRORS,
    body=ItemInput,
)
@write_endpoint("inventory:write")
def put_item(external_id: str) -> None:
    check_external_id(external_id)
    body = json_body()
    if isinstance(body, dict):
        if body.get("external_id", external_id) != external_id:
            message = _l("The external id differs from the one in the URL.")
            raise ApiProblem(422, message, "external_id")
        body = {**body, "external_id": external_id}
    item_sync.sync(SyncRequest(partner().target(), "upsert", [(None, body)]), _put_answer)


@bp.delete("/inventory/<external_id>")
@operation(
    "withdrawInventoryItem",
    "Withdraw an item; its reservations are honoured",
    "Inventory",
    {200: ItemWritten},
    WRITE_ERRORS,
)
@write_endpoint("inventory:write")
def delete_item(external_id: str) -> None:
    check_external_id(external_id)
    who = partner()
    with one_transaction():
        result = withdraw(who.target(), external_id)
        if result.outcome == Outcome.FAILED:
            answer()(result.status, _failed(result))
            return
        item = _item(who.organisation_id, external_id)
        answer()(200, {"result": result.outcome.value, "item": item})


def _result(result: SyncResult, prefix: str) -> ItemResult:
    errors = [
        FieldError(field=f"{prefix}.{p.field}" if p.field else prefix, message=p.message)
        for p in result.problems
    ]
    return ItemResult(
        index=result.index,
        external_id=result.external_id,
        result=result.outcome,
        status=result.status,
        listing_id=result.listing_id,
        errors=errors,
    )


def _batch_document(report: SyncReport, run_id: int) -> dict[str, Any]:
    return BatchResult.model_validate(
        {
            "mode": report.mode,
            "sync_run_id": run_id,
            "counts": report.counts(),
            "results": [_result(r, f"items[{r.index}]") for r in report.results],
            "withdrawn": [_result(r, "withdrawn") for r in report.withdrawn],
        }
    ).document()


def _batch_request() -> BatchRequest:
    batch = read_body(BatchRequest, BATCH_MESSAGES)
    most = int(current_app.config["API_BATCH_MAX_ITEMS"])
    if len(batch.items) > most:
        message = _l("A batch holds at most %(count)d items; send several.", count=most)
        raise ApiProblem(413, message, "items")
    if batch.mode == "replace" and not batch.items:
        problem = _l("Replace mode needs at least one item; withdraw items with DELETE instead.")
        raise ApiProblem(422, problem, "items")
    return batch


@bp.post("/inventory/batch")
@operation(
    "runInventoryBatch",
    "Create, update and (in replace mode) withdraw many items",
    "Inventory",
    {200: BatchResult},
    WRITE_ERRORS,
    body=BatchRequest,
    description=(
        "Each item is checked and applied on its own, with a result for each; the answer is "
        "200 even when some items failed. Replace mode withdraws the partner's items the "
        "batch does not name."
    ),
)
@write_endpoint("inventory:write")
def batch() -> None:
    chosen = _batch_request()
    target, started = partner().target(), utcnow()

    def finish(report: SyncReport) -> None:
        run = sync_history.record(target, SyncKind.BATCH, report, started)
        answer()(200, _batch_document(report, run.id))

    items = list(enumerate(chosen.items))
    item_sync.sync(SyncRequest(target, chosen.mode.value, items), finish)
