"""`Idempotency-Key`: a request sent again with the same key gets the first answer again.

The record is inserted, pending, in a transaction of its own before the work starts: of two
copies sent in parallel, only one gets past the unique constraint; the other waits a moment
for the first to finish and replays its answer (or is told to retry). The answer is stored in
the work's own transaction, so it exists exactly when the effect does. A pending record whose
request died (a crashed worker) is taken over after a while, which is safe because the work
left nothing behind when it died. The same key with a different request is refused.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from marketplace.core.clock import utcnow
from marketplace.errors import Conflict, ValidationError
from marketplace.extensions import db
from marketplace.models import IdempotencyRecord, IdempotencyState

MAX_KEY_LENGTH = 255
# A request still pending after this long has died with its worker.
ABANDONED_AFTER = timedelta(minutes=10)
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Replay:
    status: int
    body: str


@dataclass(frozen=True)
class Claim:
    record_id: int


def request_digest(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def check_key(value: str) -> str:
    if not 1 <= len(value) <= MAX_KEY_LENGTH or not value.isascii() or not value.isprintable():
        raise ValidationError(
            _l("The Idempotency-Key header must be 1 to 255 printable ASCII characters."),
            field="Idempotency-Key",
        )
    return value


def _find(key_id: int, idempotency_key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.key_id == key_id,
            IdempotencyRecord.idempotency_key == idempotency_key,
        )
    )


def _insert(key_id: int, idempotency_key: str, digest: str, now: datetime) -> int | None:
    record = IdempotencyRecord(
        key_id=key_id,
        idempotency_key=idempotency_key,
        request_digest=digest,
        state=IdempotencyState.PENDING,
        created_at=now,
    )
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return record.id


def _take_over(record: IdempotencyRecord, now: datetime) -> Claim | None:
    """Claim an abandoned pending record; only one of several takers wins."""
    taken = db.session.execute(
        sa.update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == record.id,
            IdempotencyRecord.state == IdempotencyState.PENDING,
            IdempotencyRecord.created_at == record.created_at,
        )
        .values(created_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return Claim(record.id) if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def begin(key_id: int, idempotency_key: str, digest: str) -> Claim | Replay:
    """Claim the key for this request, or the answer to replay. Raises Conflict while the
    first copy is still running, and ValidationError for the key reused on another request."""
    deadline = time.monotonic() + float(current_app.config["PARTNERS_IDEMPOTENCY_WAIT"])
    while True:
        now = utcnow()
        record_id = _insert(key_id, idempotency_key, digest, now)
        if record_id is not None:
            return Claim(record_id)
        record = _find(key_id, idempotency_key)
        if record is None:
            continue  # deleted between the two statements (an abandoned claim); try again
        if record.request_digest != digest:
            raise ValidationError(
                _l("This Idempotency-Key was used for a different request; use a new key."),
                field="Idempotency-Key",
            )
        if record.state == IdempotencyState.DONE:
            return Replay(record.response_status or 200, record.response_body or "")
        if record.created_at < now - ABANDONED_AFTER:
            claim = _take_over(record, now)
            if claim is not None:
                return claim
        db.session.commit()
        if time.monotonic() > deadline:
            raise Conflict(
                _l("A request with this Idempotency-Key is still running; retry shortly.")
            )
        time.sleep(POLL_SECONDS)


def complete(claim: Claim, status: int, body: str) -> None:
    """Store the answer in the current transaction (the one that holds the effect)."""
    db.session.execute(
        sa.update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claim.record_id)
        .values(
            state=IdempotencyState.DONE,
            response_status=status,
            response_body=body,
            completed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


def release(claim: Claim) -> None:
    """The work failed unexpectedly and left nothing: let a retry start at once."""
    db.session.rollback()
    db.session.execute(
        sa.delete(IdempotencyRecord).where(
            IdempotencyRecord.id == claim.record_id,
            IdempotencyRecord.state == IdempotencyState.PENDING,
        )
    )
    db.session.commit()


def prune(now: datetime | None = None) -> int:
    hours = int(current_app.config["PARTNERS_IDEMPOTENCY_HOURS"])
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    removed = db.session.execute(
        sa.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    )
    db.session.commit()
    return int(removed.rowcount)  # type: ignore[attr-defined]
