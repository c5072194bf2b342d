"""A TCP proxy on 127.0.0.1 that can fail on command, put between the product and a real
PostgreSQL, Redis or SMTP server to see what the product does when the network does.

Modes: `forward` (pass bytes both ways), `refuse` (new connections are closed at once, as a
server that is down), `stall` (connections stay open but no byte moves, as a hung server),
and `cut()` closes every open connection once, as a network drop or a restarted server.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from typing import Literal

Mode = Literal["forward", "refuse", "stall"]


class FaultyProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode: Mode = "forward"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        self._closed = False
        self._listener.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._run, name="faulty-proxy", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set(self, mode: Mode) -> None:
        with self._lock:
            self.mode = mode

    def cut(self) -> None:
        """Close every open connection now; later ones are served as the mode says."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            for end in (client, upstream):
                self._forget(end)

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._thread.join(timeout=2)
        self._selector.close()
        self._listener.close()

    def _forget(self, end: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(end)
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        if self.mode == "refuse":
            # A reset, not a polite close: what a client sees from a port nobody listens on.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        # Blocking ends: a read comes only when the selector says bytes wait, and a write
        # simply waits for the peer, which is all a test's small traffic needs.
        upstream.settimeout(None)
        with self._lock:
            self._pairs.append((client, upstream))
        self._selector.register(client, selectors.EVENT_READ, upstream)
        self._selector.register(upstream, selectors.EVENT_READ, client)

    def _run(self) -> None:
        while not self._closed:
            try:
                events = self._selector.select(timeout=0.05)
            except (OSError, ValueError):
                continue
            for key, _ in events:
                if key.data is None:
                    self._accept()
                    continue
                if self.mode == "stall":
                    time.sleep(0.02)  # the bytes wait in the kernel until the stall ends
                    continue
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                peer: socket.socket = key.data
                try:
                    chunk = source.recv(65536)
                    if chunk:
                        peer.sendall(chunk)
                        continue
                except OSError:
                    pass
                self._drop(source, peer)

    def _drop(self, one: socket.socket, other: socket.socket) -> None:
        with self._lock:
            self._pairs = [pair for pair in self._pairs if one not in pair]
        for end in (one, other):
            self._forget(end)
