"""The limits of each kind of outgoing request, from the operator's settings."""

from __future__ import annotations

from flask import current_app

from marketplace.listings.photo_processing import MAX_UPLOAD_BYTES
from marketplace.partners.fetching import FetchPolicy


def _policy(max_bytes: int, timeout: float) -> FetchPolicy:
    config = current_app.config
    return FetchPolicy(
        max_bytes=max_bytes,
        timeout=timeout,
        allow_private=bool(config["PARTNERS_ALLOW_PRIVATE_URLS"]),
    )


def photos() -> FetchPolicy:
    return _policy(MAX_UPLOAD_BYTES, float(current_app.config["PARTNERS_FETCH_TIMEOUT"]))


def feeds() -> FetchPolicy:
    config = current_app.config
    return _policy(int(config["FEEDS_MAX_BYTES"]), float(config["FEEDS_TIMEOUT"]))


def webhooks() -> FetchPolicy:
    # Receivers' answers are kept only as an excerpt; more than this is not worth reading.
    return _policy(64 * 1024, float(current_app.config["WEBHOOKS_TIMEOUT"]))
