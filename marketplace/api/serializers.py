"""The models of `api.models` built from the database: decimals and money as strings, so
that no JSON reader turns them into binary floats; times in ISO 8601 UTC; absolute URLs."""

from __future__ import annotations

from decimal import Decimal

from marketplace.api import models as api
from marketplace.categories.services import category_as_dict
from marketplace.core.money import euros_from_cents
from marketplace.listings.presentation import category_name
from marketplace.models import (
    Category,
    Listing,
    ListingKind,
    ListingPhoto,
    PartnerItem,
    PriceModel,
    Reservation,
    Site,
    WebhookEndpoint,
)
from marketplace.partners.item_kinds import ItemKind, PricePer
from marketplace.partners.items import Location, Price
from marketplace.partners.payloads import reservation_as_dict
from marketplace.sites.places import public_place
from marketplace.web.links import external_url

PHOTO_WIDTH = 1280
PER_OF_MODEL = {PriceModel.PER_UNIT: PricePer.UNIT, PriceModel.PER_LOT: PricePer.LOT}


def decimal_text(value: Decimal) -> str:
    # "500" rather than "500.000" or "5E+2".
    return format(value.normalize(), "f")


def money_text(cents: int | None) -> str | None:
    euros = euros_from_cents(cents)
    return None if euros is None else format(euros, "f")


def _price(cents: int | None, per: PricePer) -> Price | None:
    euros = euros_from_cents(cents)
    return None if euros is None else Price(amount=euros, currency="EUR", per=per)


def prices(listing: Listing) -> list[Price]:
    """Every price of the listing: a rental's per day and per week, else one."""
    if listing.price_model == PriceModel.RENTAL:
        found = (
            _price(listing.price_cents, PricePer.DAY),
            _price(listing.week_price_cents, PricePer.WEEK),
        )
        return [price for price in found if price is not None]
    per = PER_OF_MODEL.get(listing.price_model)
    price = None if per is None else _price(listing.price_cents, per)
    return [] if price is None else [price]


def photo_url(photo: ListingPhoto) -> str:
    widths = sorted(int(width) for width in photo.variants)
    chosen = next((w for w in widths if w >= PHOTO_WIDTH), widths[-1])
    return external_url("media.file", key=photo.variants[str(chosen)])


def location(site: Site) -> api.ListingLocation:
    """Where it is picked up, as the public may know it: a private person's place has no name
    and an approximate point (see `marketplace.sites.places`)."""
    place = public_place(site)
    shown = {"name": place.name} if not place.approximate else {}
    return api.ListingLocation(
        **shown,
        city=place.city,
        postal_code=place.postal_code,
        lat=place.latitude,
        lon=place.longitude,
        approximate=place.approximate,
    )


def listing_model(listing: Listing, distance_km: float | None = None) -> api.Listing:
    near = {"distance_km": distance_km} if distance_km is not None else {}
    shown = prices(listing)
    return api.Listing(
        **near,
        id=listing.id,
        url=external_url("listings.detail", listing_id=listing.id),
        kind=listing.kind,
        title=listing.title,
        description=listing.description,
        language=listing.language,
        # Named in the language the client asks for (Accept-Language), Finnish by default.
        category=api.ListingCategory(
            slug=listing.category.slug, name=category_name(listing.category)
        ),
        condition=listing.condition,
        quantity_total=decimal_text(listing.quantity_total),
        quantity_available=decimal_text(listing.quantity_available),
        unit=listing.unit,
        price=shown[0] if shown else None,
        min_rental_days=listing.min_rental_days,
        deposit=money_text(listing.deposit_cents),
        location=location(listing.site),
        available_from=listing.available_from,
        available_until=listing.available_until,
        photos=[photo_url(photo) for photo in listing.photos],
        organisation=listing.organisation.name if listing.organisation else None,
        status=listing.status,
        created_at=listing.created_at,
        updated_at=listing.updated_at,
    )


def _item_kind(listing: Listing) -> ItemKind:
    """The mapping of `api.Listing`'s kind, read backwards."""
    if listing.kind == ListingKind.EQUIPMENT:
        return ItemKind.RENTAL
    return ItemKind.FREE if listing.price_model == PriceModel.FREE else ItemKind.SALE


def _item_price(kind: ItemKind, listing: Listing) -> Price | list[Price] | None:
    shown = prices(listing)
    if not shown:
        return None
    return shown if kind == ItemKind.RENTAL else shown[0]


def _site(site: Site) -> Location:
    # The partner's own site, in full: what it wrote, read back.
    return Location.model_construct(
        name=site.name,
        address=site.address or None,
        postal_code=site.postal_code,
        city=site.city or None,
        lat=site.latitude,
        lon=site.longitude,
    )


def item_model(listing: Listing, stored: PartnerItem) -> api.Item:
    """A partner's own item, in the shape it writes them. Built without validation: the
    listing may have been edited on the site since, and is answered as it is."""
    kind = _item_kind(listing)
    return api.Item.model_construct(
        external_id=stored.external_id,
        kind=kind,
        title=listing.title,
        description=listing.description,
        language=listing.language,
        category=listing.category.slug,
        condition=listing.condition,
        quantity=listing.quantity_total,
        unit=listing.unit,
        price=_item_price(kind, listing),
        min_rental_days=listing.min_rental_days,
        deposit=euros_from_cents(listing.deposit_cents),
        location=_site(listing.site),
        available_from=listing.available_from,
        available_until=listing.available_until,
        photos=list(stored.photo_urls or []),
        attributes=dict(stored.attributes or {}),
        id=listing.id,
        url=external_url("listings.detail", listing_id=listing.id),
        status=listing.status,
        source=api.ItemSource(stored.source.value),
        quantity_available=listing.quantity_available,
        hosted_photos=[photo_url(photo) for photo in listing.photos],
        created_at=listing.created_at,
        updated_at=listing.updated_at,
    )


def category_model(category: Category) -> api.Category:
    return api.Category.model_validate(category_as_dict(category))


def reservation_model(reservation: Reservation) -> api.Reservation:
    # The webhooks' payload and the API's answer are one shape (partners.payloads).
    return api.Reservation.model_validate(reservation_as_dict(reservation))


def webhook_model(endpoint: WebhookEndpoint) -> api.Webhook:
    return api.Webhook(
        id=endpoint.id,
        url=endpoint.url,
        events=[api.WebhookEvent(event) for event in endpoint.events or []],
        description=endpoint.description,
        created_at=endpoint.created_at,
    )
