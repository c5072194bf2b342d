"""Reservations of part of a material listing's quantity, picked up at a chosen time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from marketplace.core.clock import HELSINKI, utcnow
from marketplace.core.inputs import QUANTITY, require_decimal
from marketplace.models import Listing, ListingKind, Reservation, User
from marketplace.reservations import pricing, reserving, rules
from marketplace.web.labels import quantity as format_quantity


@dataclass(frozen=True)
class MaterialRequest:
    quantity: Decimal
    pickup_at: datetime
    message: str = ""
    idempotency_key: str | None = None
    pay_online: bool = False  # hold the stock while the requester pays through Stripe


def _check_quantity(listing: Listing, amount: Decimal) -> None:
    if amount <= 0:
        raise rules.invalid(_l("Reserve more than zero."), "quantity")
    require_decimal(amount, QUANTITY, "quantity", _l("Quantity"))
    if listing.unit.whole_only and amount != amount.to_integral_value():
        raise rules.invalid(_l("Pieces and sets are reserved in whole numbers."), "quantity")
    if listing.price_model == "per_lot" and amount != listing.quantity_total:
        raise rules.invalid(_l("This lot is sold whole: reserve all of it."), "quantity")
    if amount > listing.quantity_available:
        raise rules.invalid(
            _l(
                "Only %(left)s is available.",
                left=format_quantity(listing.quantity_available, listing.unit),
            ),
            "quantity",
        )


def _check_pickup(listing: Listing, pickup_at: datetime, now: datetime) -> None:
    local = pickup_at.astimezone(HELSINKI)
    if pickup_at < now:
        raise rules.invalid(_l("Choose a pickup time in the future."), "pickup_at")
    until = listing.available_until
    if local.date() < listing.available_from or (until is not None and local.date() > until):
        raise rules.invalid(_l("Choose a pickup day when the listing is available."), "pickup_at")


def reserve_material(
    requester: User, listing: Listing, request: MaterialRequest, now: datetime | None = None
) -> Reservation:
    now = now or utcnow()
    existing = reserving.by_idempotency_key(requester, request.idempotency_key)
    if existing is not None:
        return existing
    reserving.check_reservable(listing, requester, ListingKind.MATERIAL)
    _check_quantity(listing, request.quantity)
    _check_pickup(listing, request.pickup_at, now)
    message = reserving.check_message(request.message)
    price = pricing.material_price_cents(listing, request.quantity)
    status = rules.initial_status(listing, price, request.pay_online)
    pickup_end = request.pickup_at + timedelta(hours=rules.setting("PICKUP_WINDOW_HOURS"))
    return reserving.save_new(
        listing,
        requester,
        now,
        take=request.quantity,
        status=status,
        quantity=request.quantity,
        start_date=None,
        end_date=None,
        pickup_at=request.pickup_at,
        message=message,
        price_cents=price,
        deposit_cents=None,
        idempotency_key=request.idempotency_key,
        expires_at=rules.deadline(status, now, pickup_end),
    )
