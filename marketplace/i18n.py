"""Language selection: the user's profile, then the language switcher, then the browser."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from marketplace.extensions import babel

SESSION_KEY = "language"


def select_locale() -> str:
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    if current_user.is_authenticated:
        return str(current_user.locale)
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or default


def remember_language(language: str) -> None:
    session[SESSION_KEY] = language


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
