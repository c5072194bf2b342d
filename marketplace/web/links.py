"""Absolute links for e-mails, webhooks and the API, and the redirect targets the product follows.

Every absolute link is built from PUBLIC_BASE_URL, never from the request: the Host and
X-Forwarded-Host headers are the client's to choose, and a password-reset link built from them
would carry its token to the attacker's server (OWASP: Host header injection).
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask import current_app

# Browsers drop tabs and newlines from a URL and read "\" as "/" (WHATWG URL standard), so
# "/\t/evil.example" and "/\\evil.example" leave the site; such targets are refused outright.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def public_base() -> tuple[str, str, str]:
    """(scheme, host[:port], path prefix) of PUBLIC_BASE_URL, e.g. https://city.example/kera."""
    parts = urlsplit(str(current_app.config["PUBLIC_BASE_URL"]))
    return parts.scheme or "https", parts.netloc, parts.path.rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute address of an endpoint under PUBLIC_BASE_URL, inside a request or not."""
    scheme, host, prefix = public_base()
    adapter = current_app.url_map.bind(host, script_name=prefix or "/", url_scheme=scheme)
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="%!#$&'()*+,/:;=?@")
    return url


def _unsafe_character(character: str) -> bool:
    return character == "\\" or unicodedata.category(character) in _UNSAFE_CATEGORIES


def is_safe_redirect(target: str | None) -> bool:
    """Only a path on this site, as the browser will read it ("///host" is "//host" to it)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(_unsafe_character(character) for character in target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    if parts.scheme or parts.netloc:
        return False
    # "/%2F/evil.example" becomes "//evil.example" wherever the path is decoded and redirected
    # again (a proxy, or our own sign-in page's `next`).
    path = unquote(parts.path)
    return not path.startswith("//") and not any(_unsafe_character(c) for c in path[:2])


def safe_redirect_target(target: str | None, fallback: str) -> str:
    """The target when it stays on this site, otherwise the fallback (never an error)."""
    return target if target is not None and is_safe_redirect(target) else fallback
