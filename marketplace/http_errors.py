"""Error answers: an HTML page for people, problem+json (RFC 9457) for the API and JSON clients."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.errors import FieldProblem, MarketplaceError

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
}

DESCRIPTIONS = {
    400: _l("The request could not be understood."),
    401: _l("You need to sign in to do this."),
    403: _l("You do not have access to this page."),
    404: _l("There is nothing here. The address may be mistyped, or the page has been removed."),
    405: _l("This address does not accept that kind of request."),
    409: _l("The request conflicts with the current state of the item."),
    413: _l("What you sent is too large. Photos can be at most a few megabytes each."),
    415: _l("This kind of content is not accepted here."),
    422: _l("Some of the input is not valid."),
    429: _l("Too many attempts in a short time. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. The error has been logged; please try again."),
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "application/problem+json"], default="text/html"
    )
    return best != "text/html"


def problem_response(
    status: int,
    detail: str | None = None,
    problems: Iterable[FieldProblem] = (),
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(TITLES.get(status, "Error")),
        "status": status,
        "detail": detail or str(DESCRIPTIONS.get(status, "")),
        "errors": [{"field": p.field, "message": p.message} for p in problems],
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers.extend(list(headers))
    return response


def error_response(
    status: int, detail: str | None = None, headers: Iterable[tuple[str, str]] = ()
) -> Response | tuple[str, int, list[tuple[str, str]]]:
    if wants_json():
        return problem_response(status, detail, headers=headers)
    page = render_template(
        "errors/error.html",
        status=status,
        title=TITLES.get(status, _l("Error")),
        description=detail or DESCRIPTIONS.get(status, ""),
    )
    return page, status, list(headers)


def _passed_headers(error: HTTPException) -> list[tuple[str, str]]:
    return [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]


def handle_http_exception(error: HTTPException) -> Any:
    status = error.code or 500
    detail: str | None = None
    if isinstance(error, CSRFError):
        detail = str(_l("The form had expired or was sent from elsewhere. Please try again."))
    return error_response(status, detail, _passed_headers(error))


def handle_marketplace_error(error: MarketplaceError) -> Any:
    if wants_json():
        return problem_response(error.status, str(error.message), error.problems)
    return error_response(error.status, str(error.message))


def handle_unexpected(error: InternalServerError) -> Any:
    logger.error(
        "unhandled error on %s %s", request.method, request.path, exc_info=error.original_exception
    )
    return error_response(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(MarketplaceError, handle_marketplace_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
