from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from marketplace.models import Category, Listing, ListingKind, Site, User
from marketplace.sites.services import SiteDetails

KARAMALMI = SiteDetails("Varasto", "Karamalmintie 9", "02630", "Espoo", 60.2215, 24.7560)
TAPIOLA = SiteDetails("Koti", "Tapionraitti 12", "02100", "Espoo", 60.1761, 24.8052)
# About 40 km from Kera.
PORVOO = SiteDetails("Porvoon varasto", "Mannerheiminkatu 1", "06100", "Porvoo", 60.3923, 25.6651)


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(email="resident@example.fi", name="Resident")


@pytest.fixture
def contractor(make_user: Callable[..., User]) -> User:
    return make_user(email="contractor@example.fi", name="Contractor")


@pytest.fixture
def resident_home(resident: User, make_site: Callable[..., Site]) -> Site:
    """Kera (the default test site)."""
    return make_site(resident)


@pytest.fixture
def warehouse(contractor: User, make_site: Callable[..., Site]) -> Site:
    return make_site(contractor, details=KARAMALMI)


@pytest.fixture
def wanted(
    app: Flask,
    resident: User,
    resident_home: Site,
    make_listing: Callable[..., Listing],
    category: Callable[[str], Category],
) -> Callable[..., Listing]:
    """A wanted ad of the resident's, for bricks unless told otherwise."""

    def make(title: str = "Etsitään tiiliä puutarhaan", **changes: Any) -> Listing:
        values: dict[str, Any] = {
            "kind": ListingKind.WANTED,
            "title": title,
            "description": "",
            "condition": None,
            "category_id": category("common-bricks").id,
        }
        return make_listing(owner=resident, site=resident_home, **{**values, **changes})

    return make


@pytest.fixture
def offer(
    app: Flask, contractor: User, warehouse: Site, make_listing: Callable[..., Listing]
) -> Callable[..., Listing]:
    """Bricks from the contractor's warehouse in Karamalmi (about 0.5 km from Kera)."""

    def make(**changes: Any) -> Listing:
        return make_listing(owner=contractor, site=changes.pop("site", warehouse), **changes)

    return make
