"""Stripe, behind one small interface. The only module that imports `stripe`.

Absent (None) when STRIPE_SECRET_KEY is not set: the product then runs fully and paid listings
are paid at pickup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stripe
from flask import Flask, current_app

# Pinned, so that a new default version at Stripe never changes what the code receives.
API_VERSION = "2026-10-28.endive"


class GatewayError(Exception):
    """Stripe refused the request or could not be reached; `message` is safe to show."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class BadSignature(Exception):
    """A webhook payload that Stripe did not sign with our secret, or signed too long ago."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str
    payment_status: str
    payment_intent: str | None
    amount_total: int
    client_reference_id: str | None


@dataclass(frozen=True)
class StripeEventData:
    id: str
    type: str
    object: dict[str, Any]


@dataclass(frozen=True)
class ConnectAccount:
    id: str
    charges_enabled: bool


def _session(data: Any) -> CheckoutSession:
    intent = data.get("payment_intent")
    return CheckoutSession(
        id=data["id"],
        url=data.get("url"),
        status=data.get("status") or "",
        payment_status=data.get("payment_status") or "",
        payment_intent=intent if isinstance(intent, str) or intent is None else intent["id"],
        amount_total=int(data.get("amount_total") or 0),
        client_reference_id=data.get("client_reference_id"),
    )


class StripeGateway:
    def __init__(
        self, secret_key: str, webhook_secret: str, api_base: str | None = None, retries: int = 2
    ) -> None:
        options: dict[str, Any] = {"stripe_version": API_VERSION, "max_network_retries": retries}
        if api_base:
            options["base_addresses"] = {"api": api_base, "connect": api_base}
        self.client = stripe.StripeClient(secret_key, **options)
        self.webhook_secret = webhook_secret

    def _call(self, action: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The response as a plain dict (stripe's objects are not dicts)."""
        try:
            result: dict[str, Any] = action(*args, **kwargs).to_dict()
            return result
        except stripe.InvalidRequestError as error:
            raise GatewayError(error.user_message or str(error), retryable=False) from error
        except stripe.StripeError as error:
            raise GatewayError(
                error.user_message or "Stripe is not reachable right now.", retryable=True
            ) from error

    def create_checkout_session(
        self,
        *,
        reference: str,
        amount_cents: int,
        description: str,
        email: str,
        success_url: str,
        cancel_url: str,
        expires_at: datetime,
        idempotency_key: str,
        destination: str | None = None,
        fee_cents: int | None = None,
    ) -> CheckoutSession:
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": reference,
            "customer_email": email,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": amount_cents,
                        "product_data": {"name": description[:250]},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(expires_at.timestamp()),
            "metadata": {"reservation": reference},
        }
        if destination:
            params["payment_intent_data"] = {
                "application_fee_amount": fee_cents or 0,
                "transfer_data": {"destination": destination},
            }
        data = self._call(
            self.client.v1.checkout.sessions.create, params, {"idempotency_key": idempotency_key}
        )
        return _session(data)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        return _session(self._call(self.client.v1.checkout.sessions.retrieve, session_id))

    def expire_checkout_session(self, session_id: str) -> None:
        self._call(self.client.v1.checkout.sessions.expire, session_id)

    def refund(
        self,
        *,
        payment_intent: str,
        amount_cents: int,
        idempotency_key: str,
        reverse_transfer: bool = False,
    ) -> str:
        params: dict[str, Any] = {"payment_intent": payment_intent, "amount": amount_cents}
        if reverse_transfer:
            params.update(reverse_transfer=True, refund_application_fee=True)
        refund = self._call(
            self.client.v1.refunds.create, params, {"idempotency_key": idempotency_key}
        )
        return str(refund["id"])

    def create_connect_account(self, *, email: str, idempotency_key: str) -> str:
        params = {
            "type": "express",
            "country": "FI",
            "email": email,
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
        account = self._call(
            self.client.v1.accounts.create, params, {"idempotency_key": idempotency_key}
        )
        return str(account["id"])

    def onboarding_link(self, *, account: str, refresh_url: str, return_url: str) -> str:
        link = self._call(
            self.client.v1.account_links.create,
            {
                "account": account,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return str(link["url"])

    def retrieve_account(self, account: str) -> ConnectAccount:
        data = self._call(self.client.v1.accounts.retrieve, account)
        return ConnectAccount(id=data["id"], charges_enabled=bool(data.get("charges_enabled")))

    def verify_event(self, payload: bytes, signature: str | None) -> StripeEventData:
        """The event, if Stripe signed exactly this payload with our secret within 5 min."""
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise BadSignature(str(error)) from error
        return StripeEventData(
            id=event["id"], type=event["type"], object=event["data"]["object"].to_dict()
        )


def register_gateway(app: Flask) -> None:
    secret = app.config.get("STRIPE_SECRET_KEY")
    if secret:
        app.extensions["stripe_gateway"] = StripeGateway(
            secret,
            app.config.get("STRIPE_WEBHOOK_SECRET", ""),
            api_base=app.config.get("STRIPE_API_BASE") or None,
        )


def gateway() -> StripeGateway | None:
    found: StripeGateway | None = current_app.extensions.get("stripe_gateway")
    return found
