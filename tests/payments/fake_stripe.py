"""A small stand-in for Stripe's API on 127.0.0.1, for the real `stripe` library to talk to.

It keeps what it was asked (method, path, headers, form fields), answers like Stripe for the
calls the product makes, replays a request sent again with the same Idempotency-Key, can fail
on purpose, and has a hosted "checkout page" that pays and sends Stripe's signed webhook.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeStripe:
    webhook_secret: str
    webhook_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)
    replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int, message: str = "Something went wrong", times: int = 1) -> None:
        self.failures.extend([(status, message)] * times)

    def calls(self, path_start: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(path_start) and r.method == "POST"]

    # What Stripe would do

    def create_session(self, form: dict[str, str]) -> dict[str, Any]:
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "amount_total": int(form["line_items[0][price_data][unit_amount]"])
            * int(form.get("line_items[0][quantity]", "1")),
            "client_reference_id": form.get("client_reference_id"),
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "expires_at": int(form.get("expires_at", "0")),
            "metadata": {},
            "url": f"{self.base}/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return session

    def pay(self, session_id: str, *, status: str = "paid") -> dict[str, Any]:
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status=status,
            payment_intent=f"pi_test_{secrets.token_hex(8)}",
        )
        return session

    def event(
        self, event_type: str, obj: dict[str, Any], event_id: str | None = None
    ) -> tuple[bytes, str]:
        """A webhook body and its Stripe-Signature header, signed as Stripe signs them."""
        body = json.dumps(
            {
                "id": event_id or f"evt_test_{secrets.token_hex(10)}",
                "object": "event",
                "type": event_type,
                "api_version": "2026-10-28.endive",
                "created": int(time.time()),
                "data": {"object": obj},
            }
        ).encode()
        return body, self.sign(body)

    def sign(self, body: bytes, secret: str | None = None, timestamp: int | None = None) -> str:
        stamp = int(time.time()) if timestamp is None else timestamp
        signature = stripe.WebhookSignature._compute_signature(
            f"{stamp}.{body.decode()}", secret or self.webhook_secret
        )
        return f"t={stamp},v1={signature}"

    def send_webhook(self, event_type: str, obj: dict[str, Any]) -> int:
        body, header = self.event(event_type, obj)
        request = urllib.request.Request(  # noqa: S310  (the app under test)
            self.webhook_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe

    def log_message(self, *_args: Any) -> None:
        return None

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return dict(parse_qsl(self.rfile.read(length).decode())) if length else {}

    def _record(self, form: dict[str, str]) -> None:
        self.fake.requests.append(
            Recorded(self.command, urlsplit(self.path).path, dict(self.headers.items()), form)
        )

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self._record({})
        if path.startswith("/pay/"):
            return self._checkout_page(path.removeprefix("/pay/"))
        if path.startswith("/v1/checkout/sessions/"):
            found = self.fake.sessions.get(path.rsplit("/", 1)[1])
            return self._reply(200, found) if found else self._missing()
        if path.startswith("/v1/accounts/"):
            found = self.fake.accounts.get(path.rsplit("/", 1)[1])
            return self._reply(200, found) if found else self._missing()
        return self._missing()

    def _missing(self) -> None:
        self._reply(404, {"error": {"type": "invalid_request_error", "message": "No such thing"}})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        form = self._form()
        self._record(form)
        if path.startswith("/pay/"):
            return self._pay(path.removeprefix("/pay/"))
        with self.fake.lock:
            if self.fake.failures:
                status, message = self.fake.failures.pop(0)
                kind = "api_error" if status >= 500 else "invalid_request_error"
                return self._reply(status, {"error": {"type": kind, "message": message}})
            key = self.headers.get("Idempotency-Key")
            if key and key in self.fake.replies:
                return self._reply(*self.fake.replies[key])
            status, body = self._answer(path, form)
            if key and status < 500:
                self.fake.replies[key] = (status, body)
        self._reply(status, body)

    def _answer(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        if path == "/v1/checkout/sessions":
            return 200, fake.create_session(form)
        if path.startswith("/v1/checkout/sessions/") and path.endswith("/expire"):
            session = fake.sessions[path.split("/")[4]]
            if session["status"] == "open":
                session["status"] = "expired"
            return 200, session
        if path == "/v1/refunds":
            refund = {
                "id": f"re_test_{secrets.token_hex(8)}",
                "object": "refund",
                "amount": int(form["amount"]),
                "payment_intent": form["payment_intent"],
                "status": "succeeded",
            }
            fake.refunds.append(refund)
            return 200, refund
        if path == "/v1/accounts":
            account = {
                "id": f"acct_test_{secrets.token_hex(6)}",
                "object": "account",
                "charges_enabled": True,
            }
            fake.accounts[account["id"]] = account
            return 200, account
        if path == "/v1/account_links":
            return 200, {
                "object": "account_link",
                "url": f"{fake.base}/onboard?return={form['return_url']}",
            }
        return 404, {"error": {"type": "invalid_request_error", "message": "Unknown path"}}

    def _checkout_page(self, session_id: str) -> None:
        session = self.fake.sessions.get(session_id)
        if session is None:
            return self._missing()
        page = (
            f"<!doctype html><html lang='en'><title>Pay</title><main><h1>Test checkout</h1>"
            f"<p>Amount {session['amount_total'] / 100:.2f} EUR</p>"
            f"<form method='post'><button type='submit'>Pay</button></form></main></html>"
        )
        data = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _pay(self, session_id: str) -> None:
        session = self.fake.pay(session_id)
        self.fake.send_webhook("checkout.session.completed", session)
        self.send_response(303)
        self.send_header(
            "Location", session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        )
        self.end_headers()


@contextmanager
def running(webhook_secret: str) -> Iterator[FakeStripe]:
    fake = FakeStripe(webhook_secret=webhook_secret)
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
