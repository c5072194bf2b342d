"""Helpers the tests share: a client that submits forms with their CSRF token, the app served
over HTTP, and data makers."""

from __future__ import annotations

import contextvars
import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

from flask import Flask, has_app_context
from flask.globals import _cv_app, _cv_request
from flask.testing import FlaskClient
from PIL import Image
from waitress import wasyncore
from waitress.server import create_server
from werkzeug.test import TestResponse

from marketplace.extensions import db

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "a long enough password"


class Client(FlaskClient):
    """A browser-like client: `submit` sends a form with the token the page would carry.

    Each request runs in its own application context, as it would in a server process, even
    when the test itself has one pushed: Flask would otherwise reuse the test's context, and
    with it the database session and `g` (where Flask-Login caches the signed-in user).
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        # The test's own session would otherwise keep its transaction open across the request;
        # on SQLite that transaction holds the write lock, as every BEGIN IMMEDIATE does.
        if has_app_context():
            db.session.commit()

        def isolated() -> TestResponse:
            _cv_app.set(None)  # type: ignore[arg-type]
            _cv_request.set(None)  # type: ignore[arg-type]
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(isolated)

    def csrf_token(self) -> str:
        page = self.get("/accessibility").get_data(as_text=True)
        match = CSRF_FIELD.search(page)
        assert match, "every page carries a CSRF token in its language switcher"
        return match.group(1)

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        form = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=form, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD, **extra: Any) -> TestResponse:
        response = self.submit("/login", {"email": email, "password": password, **extra})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response


_business_numbers = count(2000000)


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app served by waitress in a thread on 127.0.0.1, at the address this yields. Links
    that leave a page (Stripe's return, e-mails) are built from that address.

    Browsers drop connections mid-response when they navigate on; waitress closes the response
    then, where Werkzeug's development server can leak the open file."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.effective_port}"
    app.config["PUBLIC_BASE_URL"] = address
    try:
        yield address
    finally:
        # The sockets are closed from inside the server's own loop: closed from here while
        # the loop waits on them, its select() fails on a closed descriptor. With no socket
        # left, the loop ends.
        sockets = server._map  # waitress offers no public way to stop its loop
        server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()


def business_id() -> str:
    """A fresh valid Finnish business ID (the check digit computed as the register does)."""
    weights = (7, 9, 10, 5, 8, 4, 2)
    while True:
        digits = f"{next(_business_numbers):07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def jpeg(
    width: int = 800, height: int = 600, colour: tuple[int, int, int] = (180, 90, 60)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()
