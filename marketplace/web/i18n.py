"""Language selection: the user's profile, then the language switcher, then the browser.

The profile's language is also kept in the session, so that a page shown while the database
cannot be reached (web.error_responses) speaks it without loading the user.

The JSON API has one policy of its own, documented in its OpenAPI description and on the
partner docs page: every answer (problem details included) follows the request's
Accept-Language among fi, sv and en, and is English when the header names none of them. A
partner's program has no profile or session, and its developers most likely read English.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from marketplace.extensions import babel

SESSION_KEY = "language"
API_PREFIX = "/api/"
API_DEFAULT_LOCALE = "en"


def is_api_request() -> bool:
    return has_request_context() and request.path.startswith(API_PREFIX)


def select_locale() -> str:
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    if is_api_request():
        return request.accept_languages.best_match(languages) or API_DEFAULT_LOCALE
    if current_user.is_authenticated:
        language = str(current_user.locale)
        if session.get(SESSION_KEY) != language:
            session[SESSION_KEY] = language
        return language
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or default


def remember_language(language: str) -> None:
    session[SESSION_KEY] = language


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
