"""Rate-limit counts that outlive their storage.

The counts live in Redis so that every worker shares them. When Redis cannot be reached, a
sign-in or a partner's API call must not fail because of it: the counts move to the process's
own memory (each worker then allows the whole limit, which still stops a flood), the outage is
logged once, and Redis is asked again every `probe_seconds`, so counting returns to it within
moments of its return. Flask-Limiter's own fallback probes Redis at ever longer intervals (up to
half a minute) and does not cover the counting it does after the answer; this covers both.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import MemoryStorage, Storage
from limits.storage.base import MovingWindowSupport, SlidingWindowCounterSupport

from marketplace.core.outages import REDIS, Outages, short_reason


class FallbackStorage(Storage, MovingWindowSupport, SlidingWindowCounterSupport):
    """The configured storage while it answers, the process's memory while it does not."""

    # Chosen by wrapping another storage, never by a storage URI of its own.
    STORAGE_SCHEME = None

    def __init__(
        self,
        primary: Storage,
        outages: Outages,
        dependency: str = REDIS,
        probe_seconds: float = 1.0,
    ) -> None:
        super().__init__()
        self.primary = primary
        self.memory = MemoryStorage()
        self.outages = outages
        self.dependency = dependency
        self.probe_seconds = probe_seconds
        self._down = False
        self._next_probe = 0.0
        self._probing = False
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ()  # nothing escapes: a failing primary hands over to memory

    @property
    def down(self) -> bool:
        return self._down

    def _primary_answers(self) -> bool:
        """Whether to ask the primary now: always while it is up; while it is down, one caller
        at a time checks it again once `probe_seconds` have passed, and the others count in
        memory meanwhile rather than wait for that check."""
        if not self._down:
            return True
        with self._lock:
            if self._probing or time.monotonic() < self._next_probe:
                return False
            self._probing = True
        try:
            back = bool(self.primary.check())
        except Exception:  # a storage's check should say False, but must not break counting
            back = False
        with self._lock:
            self._probing = False
            self._next_probe = time.monotonic() + self.probe_seconds
            if back:
                self._down = False
        if back:
            self.outages.recovered(self.dependency)
        return back

    def _failed(self, error: Exception) -> None:
        with self._lock:
            self._down = True
            self._next_probe = time.monotonic() + self.probe_seconds
        self.outages.noticed(self.dependency, short_reason(error))

    def _call(self, method: str, *args: Any) -> Any:
        if self._primary_answers():
            try:
                return getattr(self.primary, method)(*args)
            except self.primary.base_exceptions as error:
                self._failed(error)
        return getattr(self.memory, method)(*args)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return int(self._call("incr", key, expiry, amount))

    def get(self, key: str) -> int:
        return int(self._call("get", key))

    def get_expiry(self, key: str) -> float:
        return float(self._call("get_expiry", key))

    def check(self) -> bool:
        """Whether the primary answers now (the health check asks this)."""
        if self._down:
            return self._primary_answers()
        try:
            answers = bool(self.primary.check())
        except Exception:
            answers = False
        if not answers:
            self._failed(ConnectionError("no answer to a health check"))
        return answers

    def reset(self) -> int | None:
        counted = self._call("reset")
        return None if counted is None else int(counted)

    def clear(self, key: str) -> None:
        self._call("clear", key)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return bool(self._call("acquire_entry", key, limit, expiry, amount))

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        start, count = self._call("get_moving_window", key, limit, expiry)
        return float(start), int(count)

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        return bool(self._call("acquire_sliding_window_entry", key, limit, expiry, amount))

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        previous, previous_ttl, current, current_ttl = self._call("get_sliding_window", key, expiry)
        return int(previous), float(previous_ttl), int(current), float(current_ttl)

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        self._call("clear_sliding_window", key, expiry)
