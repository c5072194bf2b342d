"""How listings read on a page: category names, prices, photo addresses."""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from marketplace.core.money import format_euros
from marketplace.models import Category, Listing, ListingKind, ListingPhoto, PriceModel
from marketplace.web.labels import label


def category_name(category: Category) -> str:
    return category.name(str(get_locale() or "fi"))


def price(listing: Listing) -> str:
    per_unit = label(listing.unit)
    if listing.price_model == PriceModel.FREE:
        return str(_("Free"))
    if listing.price_model == PriceModel.PER_LOT:
        return str(_("%(price)s for the lot", price=format_euros(listing.price_cents)))
    if listing.price_model == PriceModel.PER_UNIT:
        amount = format_euros(listing.price_cents)
        if listing.kind == ListingKind.WANTED:
            return str(_("Pays up to %(price)s / %(unit)s", price=amount, unit=per_unit))
        return str(_("%(price)s / %(unit)s", price=amount, unit=per_unit))
    return rental_price(listing)


def rental_price(listing: Listing) -> str:
    parts = []
    if listing.price_cents is not None:
        parts.append(_("%(price)s / day", price=format_euros(listing.price_cents)))
    if listing.week_price_cents is not None:
        parts.append(_("%(price)s / week", price=format_euros(listing.week_price_cents)))
    return " · ".join(parts)


def photo_url(photo: ListingPhoto, width: int = 640) -> str:
    """The smallest variant at least `width` wide, or the largest there is."""
    widths = sorted(int(w) for w in photo.variants)
    chosen = next((w for w in widths if w >= width), widths[-1])
    return url_for("media.file", key=photo.variants[str(chosen)])


def photo_srcset(photo: ListingPhoto) -> str:
    return ", ".join(
        f"{url_for('media.file', key=key)} {width}w"
        for width, key in sorted(photo.variants.items(), key=lambda i: int(i[0]))
    )


def cover(listing: Listing) -> ListingPhoto | None:
    return listing.photos[0] if listing.photos else None
