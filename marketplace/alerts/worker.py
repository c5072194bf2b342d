"""After a listing is published or synced: match it to wanted ads and send instant alerts.

The listing services announce the change inside their transaction; the work is queued for
after the commit, so a rolled-back publish does nothing, and it runs as ALERTS_DELIVERY (or
else NOTIFICATIONS_DELIVERY) says: `thread` hands it to one background thread per process,
so publishing does not wait for it; `inline` does it before the request returns (tests);
`job` leaves it to the job runner, which also catches up whatever a stopped process lost.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from functools import partial
from typing import Any

from flask import Flask, current_app

from marketplace.alerts import matching, services
from marketplace.database import after_commit
from marketplace.extensions import db
from marketplace.listings import events
from marketplace.models import Listing

logger = logging.getLogger(__name__)


def on_listing_event(listing: Listing, event: str = "", **_details: Any) -> None:
    """A `listing_event` receiver, called inside the listing's transaction."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(
        db.session, partial(_committed, app, listing.id), key=f"alerts-listing-{listing.id}"
    )


def _mode(app: Flask) -> str:
    return str(app.config.get("ALERTS_DELIVERY") or app.config["NOTIFICATIONS_DELIVERY"])


def _committed(app: Flask, listing_id: int) -> None:
    mode = _mode(app)
    if mode == "inline":
        with app.app_context():
            process({listing_id})
    elif mode == "thread":
        worker_for(app).submit(listing_id)


def process(listing_ids: set[int]) -> None:
    """Match each listing, then check the instant searches once for them all."""
    for listing_id in sorted(listing_ids):
        try:
            matching.record_matches(listing_id)
        except Exception:
            db.session.rollback()
            logger.exception("matching listing %s failed; the job catches it up", listing_id)
    services.send_instant(listing_ids)


class Worker:
    """One daemon thread per process that works through the listings committed meanwhile."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.pending: set[int] = set()
        self.busy = False
        self.wanted = threading.Event()
        threading.Thread(target=self._run, name="alerts-worker", daemon=True).start()

    def submit(self, listing_id: int) -> None:
        with self.lock:
            self.pending.add(listing_id)
        self.wanted.set()

    def _take(self) -> set[int]:
        with self.lock:
            batch, self.pending = self.pending, set()
            self.busy = bool(batch)
            return batch

    def _run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            while batch := self._take():
                try:
                    with self.app.app_context():
                        process(batch)
                except Exception:
                    logger.exception("alerts for listings %s failed; the job retries", batch)
            self.busy = False

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued or being worked on (at exit, and in tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                idle = not self.pending and not self.busy
            if idle:
                return True
            time.sleep(0.05)
        return False


_workers: dict[int, Worker] = {}
_workers_lock = threading.Lock()


def worker_for(app: Flask) -> Worker:
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None or worker.pid != os.getpid():  # a forked process starts its own
            worker = _workers[id(app)] = Worker(app)
        return worker


@atexit.register
def _drain_at_exit() -> None:
    # A CLI command that ends right after its commit (demo data, an import) still matches.
    for worker in list(_workers.values()):
        worker.drain(timeout=30)


def connect() -> None:
    """Subscribe to the listing services' announcements (once per process)."""
    events.listing_event.connect(on_listing_event)
