"""Error answers: an HTML page for people, problem+json (RFC 9457) for the API and JSON clients.

Every problem+json answer of the product is built here, from the `Problem` model, which is
also the document's description of it (api.openapi).

When the database or Redis cannot be reached the answer is 503 with Retry-After, and its page
is made without the database: the frame of every other page shows the signed-in person and
their notifications, and loading them would fail again (or wait again for a silent server).
The outage itself is logged once (core.outages), not once for each request it fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

import redis
import sqlalchemy as sa
from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.core import outages
from marketplace.core.outages import DATABASE, REDIS, short_reason
from marketplace.database import unreachable_reason
from marketplace.errors import FieldProblem, MarketplaceError
from marketplace.extensions import db, limiter, login_manager
from marketplace.web.i18n import is_api_request

logger = logging.getLogger(__name__)

TITLES = {
    400: _l("Bad request"),
    401: _l("Please sign in"),
    403: _l("No access"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    415: _l("Unsupported media type"),
    422: _l("Check the input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}

DESCRIPTIONS = {
    400: _l("The request could not be understood."),
    401: _l("You need to sign in to do this."),
    403: _l("You do not have access to this page."),
    404: _l("There is nothing here. The address may be mistyped, or the page has been removed."),
    405: _l("This address does not accept that kind of request."),
    409: _l("The request conflicts with the current state of the item."),
    413: _l("What you sent is too large."),
    415: _l("This kind of content is not accepted here."),
    422: _l("Some of the input is not valid."),
    429: _l("Too many attempts in a short time. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. The error has been logged; please try again."),
    503: _l("The service is busy. Please try again in a moment."),
}
PHOTOS_TOO_LARGE = _l("What you sent is too large. Photos can be at most a few megabytes each.")
# The titles of problem details (RFC 9457): the status's standard name (RFC 9110), translated.
PROBLEM_TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    409: _l("Conflict"),
    413: _l("Content Too Large"),
    415: _l("Unsupported Media Type"),
    422: _l("Unprocessable Content"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
    503: _l("Service Unavailable"),
}


def problem_title(status: int) -> str:
    return str(PROBLEM_TITLES.get(status) or TITLES.get(status) or _l("Error"))


def body_too_large(limit: int) -> str:
    return str(_l("The request body is larger than the limit of %(limit)d bytes.", limit=limit))


def too_large_detail() -> str:
    """What a 413 says: the API's body limit to programs; photo sizes only to a page that
    uploads files (photos are the only files people upload)."""
    if is_api_request():
        return body_too_large(int(current_app.config["API_MAX_BODY_BYTES"]))
    if request.mimetype == "multipart/form-data":
        return str(PHOTOS_TOO_LARGE)
    return str(DESCRIPTIONS[413])


def content_language() -> str:
    return str(get_locale() or "en")


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "application/problem+json"], default="text/html"
    )
    return best != "text/html"


class FieldError(BaseModel):
    """One field at fault, named as the request wrote it (`items[3].price.amount`)."""

    model_config = ConfigDict(extra="forbid")

    field: str | None
    message: str


class Problem(BaseModel):
    """An error answer (RFC 9457, application/problem+json), in the request's language."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="Always about:blank: the status says what kind it is.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(description="Each field at fault, with what is wrong.")


PROBLEM_TYPE = "application/problem+json"


def problem_document(
    status: int, detail: str | None = None, problems: Iterable[FieldProblem] = ()
) -> dict[str, Any]:
    problem = Problem(
        type="about:blank",
        title=problem_title(status),
        status=status,
        detail=str(detail) if detail else str(DESCRIPTIONS.get(status, "")),
        errors=[FieldError(field=p.field, message=str(p.message)) for p in problems],
    )
    return problem.model_dump(mode="json")


def problem_response(
    status: int,
    detail: str | None = None,
    problems: Iterable[FieldProblem] = (),
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    response = jsonify(problem_document(status, detail, problems))
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    response.headers["Content-Language"] = content_language()
    response.headers.extend(list(headers))
    return response


def error_response(
    status: int, detail: str | None = None, headers: Iterable[tuple[str, str]] = ()
) -> Response | tuple[str, int, list[tuple[str, str]]]:
    if wants_json():
        return problem_response(status, detail, headers=headers)
    context = {
        "status": status,
        "title": TITLES.get(status, _l("Error")),
        "description": detail or DESCRIPTIONS.get(status, ""),
    }
    # The frame of a page reads the database (the signed-in person, notifications). While the
    # database is known to be down, or when that reading fails, the same message comes in the
    # frame that needs none.
    if outages.of(current_app).is_down(DATABASE):
        forget_the_user()
        return render_without_database("errors/bare.html", **context), status, list(headers)
    try:
        page = render_template("errors/error.html", **context)
    except sa.exc.SQLAlchemyError:
        forget_the_user()
        page = render_without_database("errors/bare.html", **context)
    return page, status, list(headers)


def forget_the_user() -> None:
    """Treat the rest of this request as anonymous, so that nothing after this (the answer's
    cache rules, a template) asks the database for the signed-in person. Their session stays:
    once the database is back they are signed in as before."""
    g._login_user = login_manager.anonymous_user()


def render_without_database(template: str, **context: Any) -> str:
    """A page in the frame that needs no database (bare.html): straight from the template,
    without the context processors, which count unread notifications and the like."""
    return current_app.jinja_env.get_template(template).render(
        current_language=content_language(), **context
    )


def unavailable_response() -> Response:
    """503: a dependency is down. Never cached, and the client is told when to try again."""
    forget_the_user()
    # Flask-Limiter would put the rate limit's reset in Retry-After; this one says when to retry.
    limiter.context.view_rate_limit = None
    headers = [
        ("Retry-After", str(int(current_app.config["UNAVAILABLE_RETRY_AFTER"]))),
        ("Cache-Control", "no-store"),
    ]
    if wants_json():
        return problem_response(503, headers=headers)
    retry = request.method in ("GET", "HEAD")
    page = render_without_database(
        "errors/bare.html",
        status=503,
        title=TITLES[503],
        description=DESCRIPTIONS[503],
        again=request.script_root + request.full_path.rstrip("?") if retry else None,
    )
    response = Response(page, 503, mimetype="text/html")
    response.headers.extend(headers)
    return response


def unavailability(error: BaseException) -> tuple[str, str | None] | None:
    """Whether `error` means a dependency cannot serve now (503): the dependency, and why when
    it is down (an outage) rather than busy with this request (a statement's own timeout, a
    deadlock, SQLite's lock); None for any other error."""
    if isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return REDIS, short_reason(error)
    reason = unreachable_reason(error)
    if reason is not None:
        return DATABASE, reason
    busy = (sa.exc.OperationalError, sa.exc.TimeoutError, sa.exc.DisconnectionError)
    if isinstance(error, busy):
        return DATABASE, None
    return None


def handle_unavailable(error: BaseException) -> Any:
    found = unavailability(error)
    if found is None:
        return handle_unexpected(InternalServerError(original_exception=error))
    dependency, reason = found
    if reason is not None:
        outages.noticed(dependency, reason)
    else:
        cause = getattr(error, "orig", None) or error
        logger.warning(
            "%s busy on %s %s: %s", dependency, request.method, request.path, short_reason(cause)
        )
    return unavailable_response()


def _passed_headers(error: HTTPException) -> list[tuple[str, str]]:
    return [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]


def handle_http_exception(error: HTTPException) -> Any:
    status = error.code or 500
    detail: str | None = None
    if isinstance(error, CSRFError):
        detail = str(_l("The form had expired or was sent from elsewhere. Please try again."))
    elif status == 413:
        detail = too_large_detail()
    return error_response(status, detail, _passed_headers(error))


def handle_marketplace_error(error: MarketplaceError) -> Any:
    if wants_json():
        return problem_response(error.status, str(error.message), error.problems)
    return error_response(error.status, str(error.message))


def handle_unexpected(error: InternalServerError) -> Any:
    original = error.original_exception
    # Raised after the view (by an after_request hook), an outage comes here rather than to
    # its own handler.
    if original is not None and unavailability(original) is not None:
        return handle_unavailable(original)
    logger.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    # The transaction is lost with the request, and the frame of the page reads the database.
    with suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()
    return error_response(500)


UNAVAILABLE = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


# Endpoints that answer while the database is down: files, and the health check, which asks
# the database itself to find out whether it is back.
_ANSWERED_WHILE_DOWN = frozenset({"static", "main.healthz"})


def answer_at_once_while_down() -> Response | None:
    """503 at once for a request that would meet a database that a moment ago refused a new
    connection or left one unanswered. A hung server costs each request that tries it the
    connect timeout or more, and requests queue behind the worker that waits; answered at
    once, the queue empties, and one request a `UNAVAILABLE_RECHECK_SECONDS` finds out whether
    the database is back. One lost connection does not count: the next is likely to work."""
    if request.routing_exception is not None or request.endpoint in _ANSWERED_WHILE_DOWN:
        return None
    recheck = float(current_app.config["UNAVAILABLE_RECHECK_SECONDS"])
    if not outages.of(current_app).unanswered_within(DATABASE, recheck):
        return None
    return unavailable_response()


def register_error_handlers(app: Flask) -> None:
    # First of all hooks: the others (rate limits, the session's person) may read the database.
    app.before_request_funcs.setdefault(None, []).insert(0, answer_at_once_while_down)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(MarketplaceError, handle_marketplace_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    for kind in UNAVAILABLE:
        app.register_error_handler(kind, handle_unavailable)
