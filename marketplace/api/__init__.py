"""JSON API v1: the public catalogue, and for partners their inventory, the
reservations on it and webhooks, described at /api/v1/openapi.json.
Machines authenticate with keys, not cookies, so CSRF does not apply here."""

from flask import Blueprint, Response, abort, current_app, request

from marketplace.extensions import csrf, limiter
from marketplace.web.error_responses import content_language

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def limit_body_size() -> None:
    # Smaller than the site's limit, which is sized for photo uploads. (Bodies without a
    # length are measured as they are read: see access.json_body.)
    if (request.content_length or 0) > int(current_app.config["API_MAX_BODY_BYTES"]):
        abort(413)  # answered as problem+json naming the limit (error_responses.too_large_detail)


@bp.after_request
def say_the_language(response: Response) -> Response:
    # Every answer follows one policy (marketplace.web.i18n): Accept-Language, else English.
    # A 204 has no content, so nothing describes it (nor its type: see access.no_content).
    if response.status_code != 204:
        response.headers.setdefault("Content-Language", content_language())
    return response


@bp.after_request
def rate_limit_headers(response: Response) -> Response:
    """The key's limit on every answer, but Retry-After only when there is something to wait
    for (429; a 503 sets its own). Flask-Limiter would add Retry-After to every answer
    (RATELIMIT_HEADERS_ENABLED), after this hook: it is told there is nothing left to add."""
    limit = limiter.current_limit
    if limit is None or response.status_code == 429:
        return response
    response.headers["X-RateLimit-Limit"] = str(limit.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(limit.remaining)
    response.headers["X-RateLimit-Reset"] = str(limit.reset_at)
    limiter.context.view_rate_limit = None
    return response


from marketplace.api import (  # noqa: E402, F401
    inventory_routes,
    openapi,
    reservation_routes,
    routes,
    webhook_routes,
)
