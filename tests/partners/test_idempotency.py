"""A batch sent twice has one effect: one after the other, and side by side in parallel
threads against the real database, with and without an Idempotency-Key."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.test import TestResponse

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    IdempotencyRecord,
    IdempotencyState,
    Listing,
    PartnerKey,
    SyncRun,
)
from marketplace.partners import idempotency
from tests.partners.fixtures import Api, PartnerHandle, rental_item, sale_item

BATCH = {"items": [rental_item(f"S{n}") for n in range(20)] + [sale_item("B1")]}


def count(model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def in_parallel(app: Flask, times: int, send: Callable[[Api], TestResponse]) -> list[TestResponse]:
    barrier = threading.Barrier(times)
    answers: list[TestResponse] = []
    lock = threading.Lock()

    def worker() -> None:
        own = Api(app.test_client())  # type: ignore[arg-type]
        barrier.wait()
        response = send(own)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_the_same_batch_twice_in_a_row_has_one_effect(api: Api, partner: PartnerHandle) -> None:
    first = api.post("/inventory/batch", partner.key, BATCH).get_json()
    listings, audits = count(Listing), count(AuditEvent)
    second = api.post("/inventory/batch", partner.key, BATCH).get_json()
    assert first["counts"]["created"] == 21 and second["counts"]["unchanged"] == 21
    assert (count(Listing), count(AuditEvent)) == (listings, audits)


@pytest.mark.parametrize("with_key", [True, False])
def test_the_same_batch_in_parallel_has_one_effect(
    app: Flask, partner: PartnerHandle, with_key: bool
) -> None:
    headers = {"Idempotency-Key": "nightly-sync"} if with_key else {}
    answers = in_parallel(
        app, 4, lambda own: own.post("/inventory/batch", partner.key, BATCH, headers=headers)
    )
    assert [answer.status_code for answer in answers] == [200] * 4
    created = sorted(answer.get_json()["counts"]["created"] for answer in answers)
    assert count(Listing) == 21
    if with_key:
        # Every copy got the first answer: one run, the same body four times.
        assert created == [21] * 4 and count(SyncRun) == 1
        assert len({answer.get_data() for answer in answers}) == 1
    else:
        # Each copy ran, one after the other: the first created, the rest found no change.
        assert created == [0, 0, 0, 21] and count(SyncRun) == 4


def test_parallel_puts_of_one_new_item_create_one_listing(
    app: Flask, partner: PartnerHandle
) -> None:
    answers = in_parallel(
        app, 4, lambda own: own.put("/inventory/S1", partner.key, rental_item("S1"))
    )
    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 201]
    assert count(Listing) == 1


def test_a_copy_waits_for_the_first_and_then_gives_up(
    app: Flask, api: Api, partner: PartnerHandle
) -> None:
    """A pending record (the first copy still running) makes a copy wait, then answer 409."""
    app.config["PARTNERS_IDEMPOTENCY_WAIT"] = 0.2
    key = db.session.scalar(sa.select(PartnerKey))
    assert key is not None
    body = api.put("/inventory/A", partner.key, rental_item("A"))  # unrelated, to warm up
    assert body.status_code == 201
    digest = idempotency.request_digest("PUT", "/api/v1/inventory/B", b"{}")
    claim = idempotency.begin(key.id, "in-flight", digest)
    assert isinstance(claim, idempotency.Claim)
    copy = api.put("/inventory/B", partner.key, "{}", headers={"Idempotency-Key": "in-flight"})
    assert copy.status_code == 409 and "still running" in copy.get_json()["detail"]


def test_an_abandoned_claim_is_taken_over(api: Api, partner: PartnerHandle) -> None:
    key = db.session.scalar(sa.select(PartnerKey))
    assert key is not None
    body = b'{"external_id": "A"}'
    digest = idempotency.request_digest("PUT", "/api/v1/inventory/A", body)
    db.session.add(
        IdempotencyRecord(
            key_id=key.id,
            idempotency_key="crashed",
            request_digest=digest,
            state=IdempotencyState.PENDING,
            created_at=utcnow() - timedelta(hours=1),
        )
    )
    db.session.commit()
    response = api.put("/inventory/A", partner.key, body, headers={"Idempotency-Key": "crashed"})
    assert response.status_code == 422  # processed this time (the body lacks most fields)
    db.session.expire_all()
    record = db.session.scalar(sa.select(IdempotencyRecord))
    assert record is not None and record.state == IdempotencyState.DONE


def test_old_records_are_forgotten(api: Api, partner: PartnerHandle) -> None:
    api.put("/inventory/A", partner.key, rental_item("A"), headers={"Idempotency-Key": "k"})
    assert idempotency.prune(utcnow() + timedelta(hours=1)) == 0
    assert idempotency.prune(utcnow() + timedelta(hours=25)) == 1
    assert count(IdempotencyRecord) == 0
