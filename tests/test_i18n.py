from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from marketplace.extensions import db
from marketplace.models import Language, User
from tests.support import Client, text

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "marketplace" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def catalogue(language: str) -> Any:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fi", "Kirjaudu sisään"),
        ("sv-FI,sv;q=0.9", "Logga in"),
        ("en-GB", "Sign in"),
        ("de", "Kirjaudu sisään"),
    ],
)
def test_browser_language_is_the_fallback(client: Client, header: str, expected: str) -> None:
    page = text(client.get("/login", headers={"Accept-Language": header}))
    assert expected in page


def test_switcher_is_remembered_over_the_browser(client: Client) -> None:
    response = client.submit("/language", {"language": "sv", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = text(client.get("/login", headers={"Accept-Language": "en"}))
    assert "Logga in" in page and 'lang="sv"' in page


def test_the_profile_comes_first_and_the_switcher_updates_it(
    app: Flask, client: Client, make_user: Any
) -> None:
    user = make_user(email="erik@example.fi", locale=Language.SV)
    client.submit("/language", {"language": "en"})
    client.sign_in("erik@example.fi")
    assert "Logga ut" in text(client.get("/", headers={"Accept-Language": "fi"}))
    client.submit("/language", {"language": "fi"})
    assert "Kirjaudu ulos" in text(client.get("/"))
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == Language.FI  # type: ignore[union-attr]


def test_switcher_ignores_unknown_languages_and_foreign_targets(client: Client) -> None:
    response = client.submit("/language", {"language": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_is_translated(language: str) -> None:
    missing = [m.id for m in catalogue(language) if m.id and (not m.string or m.fuzzy)]
    assert missing == []


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_translations_keep_their_placeholders(language: str) -> None:
    for message in catalogue(language):
        if not message.id or isinstance(message.id, tuple):
            continue
        assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), (
            message.id
        )


def test_catalogues_hold_every_string_in_the_code(tmp_path: Path) -> None:
    """Extract afresh: a visible string added to code or templates without being added to the
    catalogues (and so translated) fails here."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    for language in ("fi", "sv"):
        have = {m.id for m in catalogue(language) if m.id}
        assert wanted - have == set(), language


def test_form_errors_from_wtforms_are_translated(client: Client) -> None:
    client.submit("/language", {"language": "fi"})
    response = client.submit(
        "/register",
        {"email": "", "display_name": "", "password": "", "password_again": "", "locale": "fi"},
    )
    assert "This field is required" not in text(response)
