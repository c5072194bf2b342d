"""The impact pages: public figures, the method in three languages, members-only organisation
pages, and site pages that never show a resident's home to others."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.impact.conftest import Handovers
from tests.support import Client, text


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_public_page_shows_traceable_figures(client: Client, handovers: Handovers) -> None:
    response = client.get("/impact/", headers={"Accept-Language": "en"})
    page = plain(text(response))
    assert response.status_code == 200
    assert "197 kg" in page and "41 kg CO2e" in page
    assert "from 2 handovers with a known factor" in page
    # The unknowns are said, not hidden as zero.
    assert "the mass of 1 handover is unknown" in page
    assert "1 handover was of a material with no emission factor yet" in page
    assert "90 kg reused with no CO2e counted" in page
    assert "1" in page and "no CO2e is claimed for rentals" in page
    # A chart, and a table with the same numbers.
    assert "<svg" in text(response) and 'role="img"' in text(response)
    assert "02650 Kera" in page and "02100 Tapiola" in page
    assert "ICE v2.0" in page


def test_swedish_readers_get_swedish_place_names(client: Client, handovers: Handovers) -> None:
    client.submit("/language", {"language": "sv"})
    page = plain(text(client.get("/impact/")))
    assert "02100 Hagalund" in page and "02100 Tapiola" not in page


def test_members_see_their_organisations_impact_link(client: Client, handovers: Handovers) -> None:
    client.sign_in("member@example.fi")
    page = text(client.get("/impact/"))
    assert f"/impact/organisations/{handovers.organisation.id}" in page


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_method_page_in_every_language(client: Client, app: Flask, language: str) -> None:
    client.submit("/language", {"language": language})
    response = client.get("/impact/method")
    page = plain(text(response))
    assert response.status_code == 200
    assert f'lang="{language}"' in text(response)
    assert "ICE" in page and "CO2data.fi" in page
    assert "178" in page and "25 t" in page  # the sanity checks
    assert "0,24" in page or "0.24" in page  # the factor table, from the categories
    # Each row names its entry; the publication is named in full once, above the table.
    publication = "ICE v2.0 (Hammond &amp; Jones, University of Bath)"
    assert f"<li>{publication}</li>" in text(response)
    assert f'<abbr title="{publication}">ICE v2.0</abbr>: common brick' in text(response)


def test_organisation_page_is_for_members(client: Client, handovers: Handovers) -> None:
    url = f"/impact/organisations/{handovers.organisation.id}"
    assert client.get(url).status_code == 302
    client.sign_in("stranger@example.fi")
    assert client.get(url).status_code == 404
    client.get("/logout")
    other = Client(client.application)
    other.sign_in("member@example.fi")
    response = other.get(url, headers={"Accept-Language": "en"})
    page = plain(text(response))
    assert response.status_code == 200
    assert "182 kg" in page and "Kera työmaa" in page
    assert f"/impact/organisations/{handovers.organisation.id}/handovers.csv" in text(response)
    assert f"/impact/sites/{handovers.kera.id}" in text(response)


def test_site_pages(client: Client, handovers: Handovers) -> None:
    building_site = client.get(f"/impact/sites/{handovers.kera.id}")
    assert building_site.status_code == 200
    assert "182" in plain(text(building_site))
    home = f"/impact/sites/{handovers.tapiola.id}"
    assert client.get(home).status_code == 404
    client.sign_in("stranger@example.fi")
    assert client.get(home).status_code == 404
    owner = Client(client.application)
    owner.sign_in("resident@example.fi")
    assert owner.get(home).status_code == 200
    assert client.get("/impact/sites/999999").status_code == 404


def test_empty_marketplace_pages(client: Client, app: Flask) -> None:
    response = client.get("/impact/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "No material has been handed over yet." in text(response)
