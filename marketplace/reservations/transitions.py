"""Every transition of the reservation state machine that a party makes, and who may make it.

Each is a compare-and-set on the reservation's status (`move`, which expiry and payment
outcomes use too), so a hold is released exactly once even when expiry, cancellation and a
decline race each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.core.inputs import QUANTITY, require_decimal
from marketplace.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.impact.estimates import estimate
from marketplace.listings.access import can_manage
from marketplace.mail import notifications
from marketplace.models import (
    HOLDING,
    EventKind,
    ListingKind,
    Reservation,
    ReservationEvent,
    ReservationStatus,
    User,
    audit,
)
from marketplace.reservations import codes, events, notices, pricing, rules, stock
from marketplace.web.labels import quantity as format_quantity


def record_event(
    reservation: Reservation,
    actor: User | None,
    before: ReservationStatus | None,
    after: ReservationStatus,
    text: str = "",
) -> None:
    reservation.events.append(
        ReservationEvent(
            actor=actor, kind=EventKind.TRANSITION, from_status=before, to_status=after, text=text
        )
    )


EVENT_OF = {
    ReservationStatus.REQUESTED: events.REQUESTED,
    ReservationStatus.ACCEPTED: events.ACCEPTED,
    ReservationStatus.DECLINED: events.DECLINED,
    ReservationStatus.CANCELLED: events.CANCELLED,
    ReservationStatus.EXPIRED: events.EXPIRED,
    ReservationStatus.COMPLETED: events.COMPLETED,
}
STAMPS = {
    ReservationStatus.ACCEPTED: "accepted_at",
    ReservationStatus.COMPLETED: "completed_at",
    ReservationStatus.DECLINED: "closed_at",
    ReservationStatus.CANCELLED: "closed_at",
    ReservationStatus.EXPIRED: "closed_at",
}


def move(
    reservation: Reservation,
    actor: User | None,
    allowed: Iterable[ReservationStatus],
    to: ReservationStatus,
    now: datetime,
    reason: str = "",
    publish: bool = True,
    **values: object,
) -> ReservationStatus:
    """Compare-and-set the status; only the caller that wins goes on to release the hold."""
    before = reservation.status
    stamps = {STAMPS[to]: now} if to in STAMPS else {}
    changed = db.session.execute(
        sa.update(Reservation)
        .where(Reservation.id == reservation.id, Reservation.status.in_(list(allowed)))
        .values(status=to, reason=reason, updated_at=now, **stamps, **values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise Conflict(rules.CHANGED_MEANWHILE)
    db.session.expire(reservation)
    record_event(reservation, actor, before, to, reason)
    audit.record(
        actor,
        f"reservation.{to.value}",
        "reservation",
        reservation.id,
        before=str(before),
        reason=reason,
    )
    if publish:
        events.publish(reservation, EVENT_OF[to], actor_id=actor.id if actor else None)
    return before


def require_manager(reservation: Reservation, actor: User) -> None:
    if not can_manage(reservation.listing, actor):
        raise NotFound(_l("No such reservation."))


def require_party(reservation: Reservation, actor: User) -> None:
    if reservation.requester_id != actor.id:
        require_manager(reservation, actor)


def accept(reservation: Reservation, actor: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    require_manager(reservation, actor)
    pickup_end = rules.pickup_end(reservation)
    move(
        reservation,
        actor,
        {ReservationStatus.REQUESTED},
        ReservationStatus.ACCEPTED,
        now,
        expires_at=pickup_end,
    )
    notifications.notify(
        reservation.requester, "accepted", reservation, **notices.pickup_details(reservation)
    )
    db.session.commit()


def decline(
    reservation: Reservation, actor: User, reason: str, now: datetime | None = None
) -> None:
    require_manager(reservation, actor)
    reason = _reason(reason)
    move(
        reservation,
        actor,
        {ReservationStatus.REQUESTED},
        ReservationStatus.DECLINED,
        now or utcnow(),
        reason,
    )
    stock.release(reservation)
    notifications.notify(reservation.requester, "declined", reservation, reason=reason)
    db.session.commit()


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > 500:
        raise rules.invalid(_l("Keep the reason under 500 characters."), "reason")
    return reason


def cancel(
    reservation: Reservation, actor: User, reason: str = "", now: datetime | None = None
) -> None:
    require_party(reservation, actor)
    reason = _reason(reason)
    move(reservation, actor, HOLDING, ReservationStatus.CANCELLED, now or utcnow(), reason)
    stock.release(reservation)
    other = (
        notices.lister(reservation)
        if actor.id == reservation.requester_id
        else reservation.requester
    )
    notifications.notify(other, "cancelled", reservation, reason=reason)
    db.session.commit()


def reduce(
    reservation: Reservation, actor: User, quantity: Decimal, now: datetime | None = None
) -> None:
    """The requester keeps only part of a material reservation; the rest is released and,
    if it was paid for, its share refunded."""
    now = now or utcnow()
    if actor.id != reservation.requester_id:
        require_manager(reservation, actor)
    listing = reservation.listing
    if listing.kind != ListingKind.MATERIAL or listing.price_model == "per_lot":
        raise rules.invalid(_l("Only part of a material reservation can be cancelled."), "quantity")
    if not 0 < quantity < reservation.quantity:
        raise rules.invalid(_l("Keep more than zero and less than you have now."), "quantity")
    require_decimal(quantity, QUANTITY, "quantity", _l("Quantity"))
    if listing.unit.whole_only and quantity != quantity.to_integral_value():
        raise rules.invalid(_l("Pieces and sets are reserved in whole numbers."), "quantity")
    old_quantity, old_price = reservation.quantity, reservation.price_cents
    new_price = pricing.material_price_cents(listing, quantity)
    changed = db.session.execute(
        sa.update(Reservation)
        .where(
            Reservation.id == reservation.id,
            Reservation.status.in_(HOLDING),
            Reservation.quantity == old_quantity,
        )
        .values(quantity=quantity, price_cents=new_price, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise Conflict(rules.CHANGED_MEANWHILE)
    stock.give_back(listing, old_quantity - quantity)
    db.session.expire(reservation)
    text = (
        f"{format_quantity(old_quantity, listing.unit)} → {format_quantity(quantity, listing.unit)}"
    )
    reservation.events.append(
        ReservationEvent(
            actor=actor,
            kind=EventKind.TRANSITION,
            from_status=reservation.status,
            to_status=reservation.status,
            text=text,
        )
    )
    audit.record(
        actor,
        "reservation.reduced",
        "reservation",
        reservation.id,
        before=str(old_quantity),
        after=str(quantity),
    )
    events.publish(
        reservation,
        events.REDUCED,
        actor_id=actor.id,
        details={"quantity": str(quantity), "refund_cents": old_price - new_price},
    )
    db.session.commit()


def complete(reservation: Reservation, actor: User, code: str, now: datetime | None = None) -> None:
    """The lister confirms the handover with the requester's pickup code."""
    require_manager(reservation, actor)
    if codes.normalise(code) != reservation.pickup_code:
        raise rules.invalid(_l("The pickup code does not match this reservation."), "code")
    impact = estimate(
        reservation.quantity, reservation.listing.mass_per_unit_kg, reservation.listing.category
    )
    material = reservation.listing.kind == ListingKind.MATERIAL
    move(
        reservation,
        actor,
        {ReservationStatus.ACCEPTED},
        ReservationStatus.COMPLETED,
        now or utcnow(),
        mass_kg=impact.mass_kg if material else None,
        co2e_kg=impact.co2e_kg if material else None,
        emission_factor=impact.factor if material else None,
        emission_factor_source=impact.factor_source if material else None,
    )
    notifications.notify(reservation.requester, "completed", reservation)
    db.session.commit()


def post_message(reservation: Reservation, author: User, text: str) -> None:
    require_party(reservation, author)
    text = text.strip()
    if not 1 <= len(text) <= rules.MAX_MESSAGE:
        raise rules.invalid(_l("Write a message of at most 2000 characters."), "text")
    reservation.events.append(ReservationEvent(actor=author, kind=EventKind.MESSAGE, text=text))
    other = (
        notices.lister(reservation)
        if author.id == reservation.requester_id
        else reservation.requester
    )
    notifications.notify(other, "message", reservation, author=author.display_name, text=text)
    db.session.commit()
