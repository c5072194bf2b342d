"""Security headers, host and proxy handling, and cache rules for every response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.extensions import talisman
from marketplace.web.error_responses import DESCRIPTIONS, problem_response, wants_json

# Pages that carry a secret in their address or body although nobody is signed in.
PRIVATE_ENDPOINTS = frozenset({"auth.reset_password", "alerts.unsubscribe"})
# Static files and photos set their own long cache lifetimes.
CACHEABLE_BLUEPRINTS = frozenset({"media"})


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


def trusted_hosts(config: Mapping[str, Any]) -> list[str] | None:
    """Production answers only to its own names, so that no request can make it speak for
    another host (OWASP: Host header injection); the embedded mode answers to any (127.0.0.1,
    a LAN address)."""
    if config.get("TRUSTED_HOSTS") is not None or config["MARKETPLACE_ENV"] != "production":
        return config.get("TRUSTED_HOSTS")
    own = urlsplit(str(config["PUBLIC_BASE_URL"])).hostname
    return [name for name in (own, *config["EXTRA_TRUSTED_HOSTS"]) if name]


def refuse_unknown_host(error: SecurityError) -> Response:
    """Flask refused the Host before routing (TRUSTED_HOSTS), so no URL can be built for a
    page: answer plainly, and name no host."""
    detail = _("This service does not answer to that host name.")
    if wants_json():
        return problem_response(400, detail)
    return Response(f"{DESCRIPTIONS[400]} {detail}", 400, mimetype="text/plain")


def _private_answer() -> bool:
    if request.endpoint in PRIVATE_ENDPOINTS or "Authorization" in request.headers:
        return True
    # Flash messages can name an e-mail address ("If an account exists for ...").
    return bool(request_ctx.flashes) or current_user.is_authenticated


def keep_private_answers_out_of_caches(response: Response) -> Response:
    """Pages of a signed-in user, the partner API's answers to a key and pages with a secret are
    never stored by a browser or proxy (OWASP ASVS V8.2.1), so that a shared computer or cache
    does not show them to the next person. An answer that chose its own caching keeps it."""
    if "Cache-Control" in response.headers or request.endpoint == "static":
        return response
    if request.blueprint in CACHEABLE_BLUEPRINTS or not _private_answer():
        return response
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def register_security(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)
    app.after_request(keep_private_answers_out_of_caches)
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    app.register_error_handler(SecurityError, refuse_unknown_host)
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        # X-Forwarded-Host only when the operator says the proxy sets it: otherwise a client
        # could name any host for the links and checks that read request.host.
        forwarded_host = proxies if app.config["TRUST_FORWARDED_HOST"] else 0
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=forwarded_host
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
