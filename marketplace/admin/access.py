"""Who may use the console. Signed-out visitors are sent to sign in; signed-in people without
the role get 403: the console's existence is no secret, its contents are.

The whole blueprint needs a moderator (`guard_blueprint`), so that a page cannot be left open
by a forgotten decorator; views mark themselves with `moderator_required` or `admin_required`
all the same, so that each says who it is for where it is read."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, cast

from flask import Blueprint, abort
from flask_login import current_user

from marketplace.extensions import login_manager
from marketplace.models import User
from marketplace.web.pages import Page

P = ParamSpec("P")
Rule = Callable[[User], bool]


def is_moderator(user: User) -> bool:
    return user.is_moderator


def is_admin(user: User) -> bool:
    return user.is_admin


def refusal(rule: Rule) -> Any:
    """None when the current user passes `rule`; otherwise the answer to give instead."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not rule(current_user):
        abort(403)
    return None


def requiring(rule: Rule) -> Callable[[Callable[P, Page]], Callable[P, Page]]:
    def decorate(view: Callable[P, Page]) -> Callable[P, Page]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> Page:
            refused = refusal(rule)
            if refused is not None:
                return cast(Page, refused)
            return view(*args, **kwargs)

        return guarded

    return decorate


moderator_required = requiring(is_moderator)
admin_required = requiring(is_admin)


def guard_blueprint(blueprint: Blueprint) -> None:
    """Every page of the blueprint needs a moderator, whatever its own decorators say."""

    @blueprint.before_request
    def require_moderator() -> Any:
        return refusal(is_moderator)
