"""A material listing's stock, taken and given back by statements that cannot oversell
whatever runs in parallel: each is one conditional UPDATE on the listing's row, and the
listing object is told the result rather than reading it again.

New reservations take their stock inside `creation.write`; the rest happens here.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.models import Listing, ListingKind, Reservation
from marketplace.reservations import creation
from marketplace.reservations.creation import LISTINGS
from marketplace.search import listing_changed


def try_take(listing: Listing, amount: Decimal) -> bool:
    left = db.session.execute(
        creation.TAKE_STOCK, creation.stock_parameters(listing.id, amount, utcnow())
    ).scalar_one_or_none()
    if left is None:
        return False
    taken(listing, left)
    return True


def taken(listing: Listing, left: Decimal) -> None:
    set_committed_value(listing, "quantity_available", left)
    if left == 0:
        listing_changed(db.session, listing.id)


def release(reservation: Reservation) -> None:
    if reservation.listing.kind != ListingKind.MATERIAL:
        return  # bookings leave the listing's document as it is
    left = db.session.execute(
        sa.update(LISTINGS)
        .where(LISTINGS.c.id == reservation.listing_id)
        .values(quantity_available=LISTINGS.c.quantity_available + reservation.quantity)
        .returning(LISTINGS.c.quantity_available)
    ).scalar_one()
    db.session.expire(reservation.listing, ["quantity_available"])
    if left == reservation.quantity:  # it was sold out, and is findable again
        listing_changed(db.session, reservation.listing_id)


def give_back(listing: Listing, amount: Decimal) -> None:
    """The part of its quantity that a reduced reservation no longer holds."""
    left = db.session.execute(
        sa.update(LISTINGS)
        .where(LISTINGS.c.id == listing.id)
        .values(quantity_available=LISTINGS.c.quantity_available + amount)
        .returning(LISTINGS.c.quantity_available)
    ).scalar_one()
    db.session.expire(listing, ["quantity_available"])
    if left == amount:  # it was sold out, and is findable again
        listing_changed(db.session, listing.id)
