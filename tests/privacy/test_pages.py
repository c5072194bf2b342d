"""The privacy notice and the terms of use, in Finnish, Swedish and English, linked from
every page's footer; the notice states the retention periods the settings make."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support import Client, text


@pytest.mark.parametrize(
    ("language", "heading", "complaints"),
    [
        ("fi", "Tietosuojaseloste", "tietosuojavaltuutetulle"),
        ("sv", "Dataskyddsbeskrivning", "dataombudsmannen"),
        ("en", "Privacy notice", "Data Protection Ombudsman"),
    ],
)
def test_the_privacy_notice_in_each_language(
    app: Flask, client: Client, language: str, heading: str, complaints: str
) -> None:
    client.submit("/language", {"language": language})
    page = text(client.get("/privacy"))
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert "Kera Marketplace operator" in page
    assert complaints in page and "tietosuoja.fi" in page
    assert "Stripe" in page
    for legal_basis in ("6(1)(b)", "6(1)(f)", "2022/2065") if language == "en" else ():
        assert legal_basis in page
    assert app.config["TERMS_VERSION"] in page


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fi", "Käyttöehdot"), ("sv", "Användarvillkor"), ("en", "Terms of use")],
)
def test_the_terms_of_use_in_each_language(
    app: Flask, client: Client, language: str, heading: str
) -> None:
    client.submit("/language", {"language": language})
    page = text(client.get("/terms"))
    assert f"<h1>{heading}</h1>" in page
    assert f"{app.config['TERMS_VERSION']}" in page
    # Moderation decisions name a clause by its number: every language has the same ones.
    assert page.count('id="clause-') == 14


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(
        RETENTION_SIGN_IN_DAYS=45,
        RETENTION_NOTIFICATION_EMAIL_DAYS=120,
        PARTNERS_IDEMPOTENCY_HOURS=36,
    )
    return app_config


def test_the_notice_states_the_retention_the_settings_make(app: Flask, client: Client) -> None:
    page = text(client.get("/privacy", headers={"Accept-Language": "en"}))
    assert "45 days after the sign-in ended" in page
    assert "<td>120 days</td>" in page
    assert "<td>36 hours</td>" in page


@pytest.mark.parametrize("path", ["/", "/accessibility", "/login", "/register", "/privacy"])
def test_every_footer_links_the_notice_and_the_terms(app: Flask, client: Client, path: str) -> None:
    footer = text(client.get(path)).split('<footer class="container site-footer">')[1]
    assert 'href="/privacy"' in footer and 'href="/terms"' in footer
