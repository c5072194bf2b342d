"""Domain exceptions. Each carries the HTTP status it maps to and, where it applies, the field
at fault, so that a form can show the message beside the field and the API can name it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    message: str


class MarketplaceError(Exception):
    status: ClassVar[int] = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

    @property
    def problems(self) -> list[FieldProblem]:
        return [FieldProblem(self.field, str(self.message))]


class ValidationError(MarketplaceError):
    status = 422


class NotFound(MarketplaceError):
    """Also raised for objects that exist but belong to someone else, so they stay invisible."""

    status = 404


class Forbidden(MarketplaceError):
    status = 403


class Conflict(MarketplaceError):
    """The request is valid but the object's current state does not allow it."""

    status = 409


class InvalidCredentials(MarketplaceError):
    status = 401
