"""Partner endpoints: key authentication, scopes, per-key rate limits, bodies and query
parameters checked with their models (`api.models`), and answers that `Idempotency-Key` can
replay.

A write endpoint gives its answer to `answer()` inside the transaction that holds its effect,
so a stored answer exists exactly when the effect does. An error raised before that (a 404,
a 422 found before any write) is answered, and stored, by the wrapper.
"""

from __future__ import annotations

import functools
import json
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Response, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from pydantic import BaseModel, ValidationError

from marketplace.errors import FieldProblem, MarketplaceError, NotFound
from marketplace.extensions import db, limiter
from marketplace.models import ListingSource, User
from marketplace.partners import idempotency, keys
from marketplace.partners.model_errors import Messages, problems_of
from marketplace.partners.sync_report import SyncTarget
from marketplace.partners.transactions import one_transaction
from marketplace.web.error_responses import (
    PROBLEM_TYPE,
    body_too_large,
    content_language,
    problem_document,
)

View = TypeVar("View", bound=Callable[..., Any])
Model = TypeVar("Model", bound=BaseModel)
JSON_TYPE = "application/json"
REALM = 'Bearer realm="Kera Marketplace API"'


class ApiProblem(MarketplaceError):
    """An answer of the API's own (401, 403, 415, 400, 413, and 422 for a body or query
    that does not fit its model), with extra headers."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        problems: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.code = status
        self.headers = list(headers)
        self._problems = problems

    @property
    def problems(self) -> list[FieldProblem]:
        return self._problems or super().problems


def status_of(error: MarketplaceError) -> int:
    return error.code if isinstance(error, ApiProblem) else error.status


def error_document(error: MarketplaceError) -> dict[str, Any]:
    return problem_document(status_of(error), str(error.message), error.problems)


def json_response(status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    if status == 204:
        return no_content(headers)
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    mimetype = PROBLEM_TYPE if status >= 400 else JSON_TYPE
    response = Response(text, status=status, mimetype=mimetype)
    response.headers["Content-Language"] = content_language()
    response.headers.extend(list(headers))
    return response


def no_content(headers: Iterable[tuple[str, str]] = ()) -> Response:
    """204: no body, so none of the headers that describe one."""
    response = Response(status=204, headers=list(headers))
    response.headers.remove("Content-Type")
    return response


def problem(error: MarketplaceError) -> Response:
    headers = error.headers if isinstance(error, ApiProblem) else []
    return json_response(status_of(error), error_document(error), headers)


MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL; a larger one names nothing


def known_id(value: int, missing: Any) -> int:
    """The id from a URL, or NotFound (saying `missing`) before a database sees a number it
    cannot hold."""
    if not 1 <= value <= MAX_ID:
        raise NotFound(missing)
    return value


# Who is calling


@dataclass(frozen=True)
class Partner:
    key_id: int
    organisation_id: int
    actor_id: int
    scopes: frozenset[str]

    def target(self) -> SyncTarget:
        return SyncTarget(self.organisation_id, self.actor_id, ListingSource.API, self.key_id)

    def actor(self) -> User:
        user = db.session.get(User, self.actor_id)
        assert user is not None
        return user


def partner() -> Partner:
    return cast(Partner, g.partner)


def rate_limit_key() -> str:
    """Limits count per API key; requests without one count per address."""
    token = keys.bearer_token(request.headers.get("Authorization"))
    return f"key:{keys.digest(token)[:32]}" if token else f"ip:{get_remote_address()}"


def _rate_limit() -> str:
    return str(current_app.config["API_RATELIMIT_PER_KEY"])


per_key_limit = limiter.shared_limit(_rate_limit, scope="partner-api", key_func=rate_limit_key)


def _authenticate(scope: str, writes: bool = False) -> Partner:
    header = request.headers.get("Authorization")
    try:
        key = keys.authenticate(header)
    except keys.InvalidKey as error:
        challenge = REALM + (', error="invalid_token"' if header else "")
        headers = [("WWW-Authenticate", challenge)]
        raise ApiProblem(401, str(error.message), headers=headers) from None
    if scope not in (key.scopes or []):
        raise ApiProblem(403, _l("This API key does not have the %(scope)s scope.", scope=scope))
    # Checked on every write, not only when the key was made: an organisation can lose its
    # verification after its keys were created.
    if writes and not key.organisation.verified:
        raise ApiProblem(
            403,
            _l(
                "The organisation has not been verified by the marketplace yet; until it is, "
                "its API keys can only read."
            ),
        )
    found = Partner(key.id, key.organisation_id, key.created_by_id, frozenset(key.scopes))
    keys.touch(key)
    return found


def _check_parameters(allowed: Iterable[str]) -> None:
    """Strict, like the public search: a misspelt filter must not silently widen a sync."""
    allowed = frozenset(allowed)
    for name in request.args:
        if name not in allowed:
            if not allowed:
                raise ApiProblem(422, _l("Unknown parameter; this endpoint takes none."), name)
            names = ", ".join(sorted(allowed))
            message = _l("Unknown parameter; this endpoint takes: %(names)s.", names=names)
            raise ApiProblem(422, message, name)


def read_endpoint(scope: str, query: type[BaseModel] | None = None) -> Callable[[View], View]:
    """A GET endpoint of the partner API, answering problems as problem+json. Its query
    parameters are the fields of `query` (read with `read_query`)."""
    allowed = frozenset(query.model_fields) if query is not None else frozenset()

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                g.partner = _authenticate(scope)
                _check_parameters(allowed)
                return view(*args, **kwargs)
            except MarketplaceError as error:
                return problem(error)

        wrapper.__dict__["api_scope"] = scope  # read by api.operations
        return cast(View, per_key_limit(wrapper))

    return decorate


def invalid(
    error: ValidationError, messages: Messages | None = None, prefix: str = ""
) -> ApiProblem:
    """422 naming every field at fault; a body that is no object at all is `body`."""
    found = [
        FieldProblem(p.field or "body", p.message) for p in problems_of(error, prefix, messages)
    ]
    return ApiProblem(422, found[0].message, found[0].field, problems=found)


def read_query(model: type[Model], messages: Messages | None = None) -> Model:
    """The query parameters, checked with their model. A parameter is named as it was sent,
    without the index of a repeated one."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in request.args:
            repeated = typing.get_origin(field.annotation) is list
            values[name] = request.args.getlist(name) if repeated else request.args[name]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        found = invalid(error, messages)
        named = [FieldProblem((p.field or "").split("[")[0], p.message) for p in found.problems]
        raise ApiProblem(422, named[0].message, named[0].field, problems=named) from None


def read_body(
    model: type[Model],
    messages: Messages | None = None,
    *,
    required: bool = True,
    context: dict[str, Any] | None = None,
) -> Model:
    """The JSON body, checked with its model; no body at all is an empty object when the
    body is optional."""
    body = json_body(required)
    if body is None and not request.get_data(cache=True).strip():
        body = {}  # no body at all, where none is needed; a JSON null is no object
    try:
        return model.model_validate(body, context=context)
    except ValidationError as error:
        raise invalid(error, messages) from None


# Bodies


def _check_text(value: Any, path: str) -> None:
    """PostgreSQL cannot store NUL characters, nor UTF-8 encode lone surrogates."""
    if isinstance(value, str):
        if "\x00" in value or not _encodable(value):
            message = _l("Text must be valid Unicode without NUL characters.")
            raise ApiProblem(422, message, path)
    elif isinstance(value, list):
        for number, entry in enumerate(value):
            _check_text(entry, f"{path}[{number}]")
    elif isinstance(value, dict):
        for key, entry in value.items():
            _check_text(key, path)
            _check_text(entry, f"{path}.{key}" if path else key)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_body(required: bool = True) -> Any:
    """The request's JSON body (None when optional and empty), checked for what databases
    cannot store."""
    data = request.get_data(cache=True)
    most = int(current_app.config["API_MAX_BODY_BYTES"])
    if len(data) > most:
        raise ApiProblem(413, body_too_large(most))
    if not data.strip():
        if required:
            raise ApiProblem(422, _l("Send a JSON body."), "body")
        return None
    if request.mimetype != JSON_TYPE:
        raise ApiProblem(415, _l("Send the body as application/json."))
    try:
        body = json.loads(data)
    except (ValueError, RecursionError) as error:
        # The parser's own words are English; where it stopped is what a reader needs.
        if isinstance(error, json.JSONDecodeError):
            message = _l("The body is not valid JSON: see character %(at)d.", at=error.pos)
        else:
            message = _l("The body is not valid JSON.")
        raise ApiProblem(400, message) from None
    _check_text(body, "")
    return body


# Writes


class Answer:
    """The answer to a write, stored for replays in the transaction of its effect."""

    def __init__(self, claim: idempotency.Claim | None) -> None:
        self.claim = claim
        self.status = 500
        self.text = ""

    def __call__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.text = json.dumps(body, separators=(",", ":"))
        if self.claim is not None:
            idempotency.complete(self.claim, status, self.text)

    def failed(self, error: MarketplaceError) -> None:
        with one_transaction():
            self(status_of(error), error_document(error))


def answer() -> Answer:
    return cast(Answer, g.answer)


def _claim(who: Partner) -> idempotency.Claim | idempotency.Replay | None:
    header = request.headers.get("Idempotency-Key")
    if header is None:
        return None
    key = idempotency.check_key(header)
    digest = idempotency.request_digest(request.method, request.path, request.get_data())
    return idempotency.begin(who.key_id, key, digest)


def _run_write(view: Callable[..., Any], args: Any, kwargs: Any) -> Response:
    claim = _claim(partner())
    if isinstance(claim, idempotency.Replay):
        return json_response(claim.status, claim.body, [("Idempotent-Replayed", "true")])
    g.answer = result = Answer(claim)
    try:
        view(*args, **kwargs)
    except MarketplaceError as error:
        result.failed(error)
    except BaseException:
        if claim is not None:
            idempotency.release(claim)
        raise
    return json_response(result.status, result.text)


def write_endpoint(scope: str) -> Callable[[Callable[..., None]], Callable[..., Response]]:
    """A POST, PUT or DELETE of the partner API. The view calls `answer()(status, body)`
    inside the transaction of its effect, and returns nothing."""

    def decorate(view: Callable[..., None]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            try:
                g.partner = _authenticate(scope, writes=True)
                _check_parameters(())
                return _run_write(view, args, kwargs)
            except MarketplaceError as error:
                return problem(error)

        wrapper.__dict__["api_scope"] = scope  # read by api.operations
        wrapper.__dict__["api_writes"] = True
        return cast(Callable[..., Response], per_key_limit(wrapper))

    return decorate
