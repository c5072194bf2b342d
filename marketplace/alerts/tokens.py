"""Unsubscribe links: a signed token names the saved search, so that turning its e-mails off
needs no sign-in (a mail client may even do it by itself, RFC 8058). The token is the
credential: it cannot be forged without the secret key, and it can do nothing but that."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from marketplace.errors import MarketplaceError
from marketplace.models import SavedSearch

SALT = "saved-search-unsubscribe"


class InvalidToken(MarketplaceError):
    status = 404


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make(saved: SavedSearch) -> str:
    return str(_serializer().dumps([saved.id, saved.user_id]))


def read(token: str) -> tuple[int, int]:
    """The saved search's and its owner's ids, or InvalidToken for anything not signed by us."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        raise InvalidToken(_l("This unsubscribe link is not valid.")) from None
    valid = isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)
    if not valid:
        raise InvalidToken(_l("This unsubscribe link is not valid."))
    return int(value[0]), int(value[1])
