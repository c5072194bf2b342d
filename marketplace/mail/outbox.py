"""Sending what a transaction left in an outbox, once that transaction has committed.

Rows in an outbox (notification e-mails, partner webhooks) exist only if their change
committed, so nothing is ever sent for a rolled-back change. How they leave after the commit
is a setting per outbox: `inline` sends them within the request (tests, tiny sites), `thread`
wakes one background thread per process and outbox, and anything else leaves them to
`flask jobs run`, which also retries whatever the first attempt could not send.

Whichever runs it, each entry goes out once: senders lease entries, and record a hand-over
even across a dead database connection (`mail.leases`), so the thread, the job runners of
several machines and a request sending inline may all run at once.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from flask import Flask, current_app

from marketplace.database import after_commit, unreachable_reason
from marketplace.extensions import db

logger = logging.getLogger(__name__)

Deliver = Callable[[], object]


def send_after_commit(outbox: str, mode_setting: str, deliver: Deliver) -> None:
    """Have `deliver` run after the current transaction commits, as `mode_setting` says."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(db.session, lambda: _after_commit(app, outbox, mode_setting, deliver), key=outbox)


def _after_commit(app: Flask, outbox: str, mode_setting: str, deliver: Deliver) -> None:
    mode = app.config[mode_setting]
    if mode == "inline":
        with app.app_context():
            deliver()
    elif mode == "thread":
        _sender_for(app, outbox, deliver).wake()


class _Sender:
    """One daemon thread that runs `deliver` whenever woken; wakes while it runs coalesce."""

    def __init__(self, app: Flask, outbox: str, deliver: Deliver) -> None:
        self.app = app
        self.outbox = outbox
        self.deliver = deliver
        self.pid = os.getpid()
        self.wanted = threading.Event()
        threading.Thread(target=self._run, name=f"{outbox}-sender", daemon=True).start()

    def wake(self) -> None:
        self.wanted.set()

    def _run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            try:
                with self.app.app_context():
                    self.deliver()
            except Exception as error:
                if unreachable_reason(error) is None:
                    logger.exception("sending %s failed; the job runner will retry", self.outbox)
                # An unreachable database was logged once by the outage tracker already.


_senders: dict[tuple[int, str], _Sender] = {}
_senders_lock = threading.Lock()


def _sender_for(app: Flask, outbox: str, deliver: Deliver) -> _Sender:
    with _senders_lock:
        key = (id(app), outbox)
        sender = _senders.get(key)
        if sender is None or sender.pid != os.getpid():  # a forked worker starts its own
            sender = _senders[key] = _Sender(app, outbox, deliver)
        return sender
