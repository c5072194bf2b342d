"""Listings as the public API shows them (DESIGN §6): decimals and money as strings, so that
no JSON reader turns them into binary floats; times in ISO 8601 UTC; absolute URLs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marketplace.core.money import euros_from_cents
from marketplace.listings.presentation import category_name
from marketplace.models import Listing, ListingPhoto, PartnerItem, PriceModel, Site
from marketplace.sites.places import public_place
from marketplace.web.links import external_url

PHOTO_WIDTH = 1280


def decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    # "500" rather than "500.000" or "5E+2".
    return format(value.normalize(), "f")


def money_text(cents: int | None) -> str | None:
    euros = euros_from_cents(cents)
    return None if euros is None else format(euros, "f")


def price(listing: Listing) -> dict[str, Any] | None:
    if listing.price_model == PriceModel.FREE:
        return None
    if listing.price_model == PriceModel.RENTAL:
        per, cents = ("day", listing.price_cents)
        if cents is None:
            per, cents = ("week", listing.week_price_cents)
    else:
        per = "lot" if listing.price_model == PriceModel.PER_LOT else "unit"
        cents = listing.price_cents
    return {"amount": money_text(cents), "currency": "EUR", "per": per}


def photo_url(photo: ListingPhoto) -> str:
    widths = sorted(int(width) for width in photo.variants)
    chosen = next((w for w in widths if w >= PHOTO_WIDTH), widths[-1])
    return external_url("media.file", key=photo.variants[str(chosen)])


def location(site: Site) -> dict[str, Any]:
    """Where it is picked up, as the public may know it: a private person's place has no name
    and an approximate point (see `marketplace.sites.places`)."""
    place = public_place(site)
    shown: dict[str, Any] = {"name": place.name} if not place.approximate else {}
    return shown | {
        "city": place.city,
        "postal_code": place.postal_code,
        "lat": place.latitude,
        "lon": place.longitude,
        "approximate": place.approximate,
    }


def listing_as_dict(listing: Listing, distance_km: float | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": listing.id,
        "url": external_url("listings.detail", listing_id=listing.id),
        "kind": listing.kind.value,
        "title": listing.title,
        "description": listing.description,
        "language": listing.language.value,
        # Named in the language the client asks for (Accept-Language), Finnish by default.
        "category": {"slug": listing.category.slug, "name": category_name(listing.category)},
        "condition": listing.condition.value if listing.condition else None,
        "quantity_total": decimal_text(listing.quantity_total),
        "quantity_available": decimal_text(listing.quantity_available),
        "unit": listing.unit.value,
        "price": price(listing),
        "min_rental_days": listing.min_rental_days,
        "deposit": money_text(listing.deposit_cents),
        "location": location(listing.site),
        "available_from": listing.available_from.isoformat(),
        "available_until": listing.available_until.isoformat() if listing.available_until else None,
        "photos": [photo_url(photo) for photo in listing.photos],
        "organisation": listing.organisation.name if listing.organisation else None,
        "status": listing.status.value,
        "created_at": listing.created_at.isoformat(),
        "updated_at": listing.updated_at.isoformat(),
    }
    if distance_km is not None:
        item["distance_km"] = distance_km
    return item


def item_as_dict(listing: Listing, stored: PartnerItem) -> dict[str, Any]:
    """A partner's own item: the listing, with what only its owner sees."""
    return {
        **listing_as_dict(listing),
        "external_id": stored.external_id,
        "source": stored.source.value,
        "attributes": stored.attributes or {},
    }
