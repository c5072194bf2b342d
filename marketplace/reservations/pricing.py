"""What a reservation costs, computed once and kept with it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marketplace.models import Listing, PriceModel


def material_price_cents(listing: Listing, quantity: Decimal) -> int:
    if listing.price_model == PriceModel.PER_UNIT and listing.price_cents is not None:
        total = (quantity * listing.price_cents).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(total)
    if listing.price_model == PriceModel.PER_LOT and listing.price_cents is not None:
        return listing.price_cents
    return 0


def rental_price_cents(days: int, units: int, day_cents: int | None, week_cents: int | None) -> int:
    """Whole weeks at the week rate, the rest at the day rate but never above a week's."""
    if day_cents is None and week_cents is None:
        return 0
    if week_cents is None:
        assert day_cents is not None
        return days * day_cents * units
    weeks, rest = divmod(days, 7)
    if day_cents is None:
        return (weeks + (1 if rest else 0)) * week_cents * units
    return (weeks * week_cents + min(rest * day_cents, week_cents)) * units


def booking_price_cents(listing: Listing, days: int, units: int) -> int:
    if listing.price_model != PriceModel.RENTAL:
        return 0
    return rental_price_cents(days, units, listing.price_cents, listing.week_price_cents)
