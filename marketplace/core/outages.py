"""Outages of what the product depends on (the database, Redis), told once each.

While a dependency is down every request and every duty that needs it fails the same way; a
traceback for each would bury the one fact an operator needs. Each process keeps its own
record, so each web worker and job runner logs an outage once when it first meets it and once
when the dependency answers again, and `/healthz` can say what is down.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app

logger = logging.getLogger(__name__)

DATABASE = "database"
REDIS = "redis"

EXTENSION = "outages"


@dataclass(frozen=True)
class Outage:
    reason: str
    since: float  # time.monotonic() when it was first noticed


class Outages:
    """The outages one process knows of; safe to use from any thread."""

    def __init__(self) -> None:
        self._current: dict[str, Outage] = {}
        self._unanswered: dict[str, float] = {}
        self._lock = threading.Lock()

    def noticed(self, dependency: str, reason: str) -> bool:
        """Record that `dependency` failed; True (and one log line) when that starts an outage."""
        with self._lock:
            if dependency in self._current:
                return False
            self._current[dependency] = Outage(reason, time.monotonic())
        logger.error("%s unreachable: %s", dependency, reason)
        return True

    def recovered(self, dependency: str) -> float | None:
        """Record that `dependency` answered; the outage's length when that ends one."""
        # Read without the lock first: this runs on every database checkout.
        if dependency not in self._current:
            return None
        with self._lock:
            outage = self._current.pop(dependency, None)
        if outage is None:
            return None
        lasted = time.monotonic() - outage.since
        logger.warning("%s reachable again after %.1f s", dependency, lasted)
        return lasted

    def down(self) -> dict[str, str]:
        """Each dependency that is down now, with the reason it was first noticed."""
        with self._lock:
            return {name: outage.reason for name, outage in self._current.items()}

    def is_down(self, dependency: str) -> bool:
        return dependency in self._current

    def unanswered(self, dependency: str) -> None:
        """Record that `dependency` refused a new connection or stopped answering: unlike one
        lost connection, that is what the next request would meet too."""
        self._unanswered[dependency] = time.monotonic()

    def unanswered_within(self, dependency: str, seconds: float) -> bool:
        """Whether `dependency` is down and left a request unanswered in the last `seconds`."""
        at = self._unanswered.get(dependency)
        return at is not None and self.is_down(dependency) and time.monotonic() - at < seconds


def register_outages(app: Flask) -> Outages:
    outages: Outages = app.extensions.setdefault(EXTENSION, Outages())
    return outages


def of(app: Flask) -> Outages:
    found: Outages = app.extensions[EXTENSION]
    return found


def noticed(dependency: str, reason: str) -> bool:
    return of(current_app).noticed(dependency, reason)


def short_reason(error: BaseException) -> str:
    """The first line of what the error says, short enough for one log line."""
    lines = str(error).strip().splitlines()
    first = lines[0].strip() if lines else ""
    return (first or type(error).__name__)[:200]
