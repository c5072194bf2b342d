"""Security headers and proxy handling for every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.extensions import talisman


def content_security_policy(
    tile_url: str, checkout_origin: str | None = None
) -> dict[str, str | list[str]]:
    tiles = urlsplit(tile_url.replace("{s}", "a"))
    tile_origin = f"{tiles.scheme}://{tiles.hostname}" if tiles.hostname else "'self'"
    if "{s}" in tile_url and tiles.hostname:
        tile_origin = f"{tiles.scheme}://*.{tiles.hostname.partition('.')[2]}"
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": ["'self'", "data:", "blob:", tile_origin],
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        # Reserving a paid listing redirects the form's submission on to Stripe's checkout.
        "form-action": ["'self'", checkout_origin] if checkout_origin else "'self'",
        "frame-ancestors": "'none'",
    }


def refuse_nul_bytes() -> None:
    """PostgreSQL text cannot hold NUL, and no honest form or link contains one: refuse the
    request before any of it reaches a query."""
    values = [*request.args.values(), *request.form.values(), request.path]
    if any("\x00" in value for value in values):
        abort(400)


def register_security(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["HSTS_ENABLED"],
        strict_transport_security_max_age=31536000,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        content_security_policy=content_security_policy(
            app.config["MAP_TILE_URL"],
            app.config["STRIPE_CHECKOUT_ORIGIN"] if app.config["STRIPE_SECRET_KEY"] else None,
        ),
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "(self)", "camera": "(self)", "microphone": "()"},
    )
