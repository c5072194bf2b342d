"""What the OpenAPI document says of each endpoint beyond its models: the `operationId` a
generated client names its function after, a summary, and which bodies, parameters and
answers it has. Declared with the view, by `@operation(...)`; `openapi` reads them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

View = TypeVar("View", bound=Callable[..., Any])
# Errors every write may answer besides those of its key (401, 403, 429).
WRITE_ERRORS = (400, 404, 409, 413, 415, 422)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    tag: str
    # Answers by status: a model, or None for no content (204).
    answers: Mapping[int, type[BaseModel] | None]
    errors: tuple[int, ...] = ()
    description: str = ""
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_required: bool = True
    # A partner's key with this scope, or None for a public endpoint.
    scope: str | None = None
    writes: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


OPERATIONS: dict[str, Operation] = {}


def operation(
    operation_id: str,
    summary: str,
    tag: str,
    answers: Mapping[int, type[BaseModel] | None],
    errors: tuple[int, ...] = (),
    **details: Any,
) -> Callable[[View], View]:
    """Declare the view's operation; put it above the partner API's own decorators, whose
    scope it reads."""

    def declare(view: View) -> View:
        scope = getattr(view, "api_scope", None)
        writes = bool(getattr(view, "api_writes", False))
        found = Operation(
            operation_id, summary, tag, answers, errors, scope=scope, writes=writes, **details
        )
        OPERATIONS[f"api.{view.__name__}"] = found
        return view

    return declare
