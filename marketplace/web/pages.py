"""What page views of every blueprint share: their return type, sign-in for a whole
blueprint, and the rare GET that writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Blueprint
from flask_login import login_required
from werkzeug.wrappers import Response

Page = str | tuple[str, int] | Response
P = ParamSpec("P")
R = TypeVar("R")


def signed_in_only(blueprint: Blueprint) -> None:
    """Every page of the blueprint sends anonymous visitors to the sign-in page."""

    @blueprint.before_request
    @login_required
    def require_sign_in() -> None:
        return None


def writes_on_get(view: Callable[P, R]) -> Callable[P, R]:
    """For the rare GET that must write (the return from Stripe's checkout settles the
    payment): its SQLite transaction then begins IMMEDIATE, like a POST's."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view
