"""Error answers: an HTML page for people, problem+json (RFC 9457) for the API and JSON clients.

Every problem+json answer of the product is built here, from the `Problem` model, which is
also the document's description of it (api.openapi).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.errors import FieldProblem, MarketplaceError
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
    elif status == 413:
        detail = too_large_detail()
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
