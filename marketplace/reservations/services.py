"""Reservations of material and bookings of equipment, and every transition of the state
machine in DESIGN §4.

Stock is changed only here, by statements that cannot oversell whatever runs in parallel:
a material reservation takes its quantity with one conditional UPDATE; a booking locks the
listing's row (SQLite's BEGIN IMMEDIATE holds the database) before counting the booked days.
Every transition is a compare-and-set on the reservation's status, so a hold is released
exactly once even when expiry, cancellation and a decline race each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core.clock import HELSINKI, today_in_finland, utcnow
from marketplace.core.inputs import QUANTITY, require_decimal
from marketplace.database import commit_keeping_loaded
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.impact.estimates import estimate
from marketplace.listings.access import can_manage
from marketplace.mail import notifications
from marketplace.models import (
    HOLDING,
    OCCUPYING,
    EventKind,
    Listing,
    ListingKind,
    ListingStatus,
    Membership,
    Reservation,
    ReservationEvent,
    ReservationStatus,
    User,
    audit,
)
from marketplace.reservations import codes, creation, events, pricing
from marketplace.reservations.creation import LISTINGS
from marketplace.search import listing_changed
from marketplace.web.labels import quantity as format_quantity

MAX_MESSAGE = 2000
# Worded for pages and API clients alike: the latter have no page to reload.
CHANGED_MEANWHILE = _l(
    "This reservation has changed in the meantime; check its current status and try again."
)
MAX_BOOKING_DAYS = 365


def _invalid(message: object, field: str) -> ValidationError:
    return ValidationError(message, field=field)  # type: ignore[arg-type]


def _settings(name: str) -> int:
    return int(current_app.config[f"RESERVATIONS_{name}"])


# Checks shared by both kinds of reservation


def _check_reservable(listing: Listing, requester: User, kind: ListingKind) -> None:
    if listing.kind != kind or listing.status != ListingStatus.ACTIVE:
        raise Conflict(_l("This listing cannot be reserved now."))
    if can_manage(listing, requester):
        raise _invalid(_l("You cannot reserve your own listing."), "quantity")


def _check_message(message: str) -> str:
    if len(message) > MAX_MESSAGE:
        raise _invalid(_l("Keep the message under 2000 characters."), "message")
    return message.strip()


def _existing(requester: User, key: str | None) -> Reservation | None:
    if not key:
        return None
    return db.session.scalar(
        sa.select(Reservation).where(
            Reservation.requester_id == requester.id, Reservation.idempotency_key == key
        )
    )


def _first_status(listing: Listing) -> ReservationStatus:
    return ReservationStatus.ACCEPTED if listing.auto_accept else ReservationStatus.REQUESTED


def _initial_status(listing: Listing, price_cents: int, pay_online: bool) -> ReservationStatus:
    if pay_online and price_cents > 0:
        return ReservationStatus.PENDING_PAYMENT
    return _first_status(listing)


def _deadline(status: ReservationStatus, now: datetime, pickup_end: datetime) -> datetime:
    if status == ReservationStatus.ACCEPTED:
        return pickup_end
    if status == ReservationStatus.PENDING_PAYMENT:
        hold = timedelta(minutes=_settings("PAYMENT_HOLD_MINUTES"))
        return min(now + hold, pickup_end)
    return min(now + timedelta(hours=_settings("RESPOND_HOURS")), pickup_end)


# Material


@dataclass(frozen=True)
class MaterialRequest:
    quantity: Decimal
    pickup_at: datetime
    message: str = ""
    idempotency_key: str | None = None
    pay_online: bool = False  # hold the stock while the requester pays through Stripe


def _check_quantity(listing: Listing, amount: Decimal) -> None:
    if amount <= 0:
        raise _invalid(_l("Reserve more than zero."), "quantity")
    require_decimal(amount, QUANTITY, "quantity", _l("Quantity"))
    if listing.unit.whole_only and amount != amount.to_integral_value():
        raise _invalid(_l("Pieces and sets are reserved in whole numbers."), "quantity")
    if listing.price_model == "per_lot" and amount != listing.quantity_total:
        raise _invalid(_l("This lot is sold whole: reserve all of it."), "quantity")
    if amount > listing.quantity_available:
        raise _invalid(
            _l(
                "Only %(left)s is available.",
                left=format_quantity(listing.quantity_available, listing.unit),
            ),
            "quantity",
        )


def _check_pickup(listing: Listing, pickup_at: datetime, now: datetime) -> None:
    local = pickup_at.astimezone(HELSINKI)
    if pickup_at < now:
        raise _invalid(_l("Choose a pickup time in the future."), "pickup_at")
    until = listing.available_until
    if local.date() < listing.available_from or (until is not None and local.date() > until):
        raise _invalid(_l("Choose a pickup day when the listing is available."), "pickup_at")


def reserve_material(
    requester: User, listing: Listing, request: MaterialRequest, now: datetime | None = None
) -> Reservation:
    now = now or utcnow()
    existing = _existing(requester, request.idempotency_key)
    if existing is not None:
        return existing
    _check_reservable(listing, requester, ListingKind.MATERIAL)
    _check_quantity(listing, request.quantity)
    _check_pickup(listing, request.pickup_at, now)
    message = _check_message(request.message)
    price = pricing.material_price_cents(listing, request.quantity)
    status = _initial_status(listing, price, request.pay_online)
    pickup_end = request.pickup_at + timedelta(hours=_settings("PICKUP_WINDOW_HOURS"))
    return _save_new(
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
        expires_at=_deadline(status, now, pickup_end),
    )


def _try_take_stock(listing: Listing, amount: Decimal) -> bool:
    left = db.session.execute(
        creation.TAKE_STOCK, creation.stock_parameters(listing.id, amount, utcnow())
    ).scalar_one_or_none()
    if left is None:
        return False
    _stock_taken(listing, left)
    return True


def _stock_taken(listing: Listing, left: Decimal) -> None:
    set_committed_value(listing, "quantity_available", left)
    if left == 0:
        listing_changed(db.session, listing.id)


def _release_stock(reservation: Reservation) -> None:
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


# Equipment


@dataclass(frozen=True)
class BookingRequest:
    start: date
    end: date
    units: int
    message: str = ""
    idempotency_key: str | None = None
    pay_online: bool = False


def _check_period(listing: Listing, request: BookingRequest, today: date) -> None:
    if request.end < request.start:
        raise _invalid(_l("The return day cannot be before the pick-up day."), "end")
    if request.start < today:
        raise _invalid(_l("Choose a pick-up day from today on."), "start")
    days = (request.end - request.start).days + 1
    if days > MAX_BOOKING_DAYS:
        raise _invalid(_l("Book at most a year at a time."), "end")
    minimum = listing.min_rental_days or 1
    if days < minimum:
        raise _invalid(
            _l(
                "The minimum hire is %(days)d days; both the pick-up and the return day count.",
                days=minimum,
            ),
            "end",
        )
    until = listing.available_until
    if request.start < listing.available_from or (until is not None and request.end > until):
        raise _invalid(_l("The equipment is not available for all of those days."), "start")


def _check_units(listing: Listing, units: int) -> None:
    if not 1 <= units <= int(listing.quantity_total):
        raise _invalid(
            _l("Choose 1 to %(count)d units.", count=int(listing.quantity_total)), "units"
        )


def booked_units(
    listing_id: int, first: date, last: date, excluding: int | None = None
) -> dict[date, int]:
    """Units taken on each day of [first, last] by bookings that occupy days."""
    query = sa.select(Reservation.start_date, Reservation.end_date, Reservation.quantity).where(
        Reservation.listing_id == listing_id,
        Reservation.status.in_(OCCUPYING),
        Reservation.start_date <= last,
        Reservation.end_date >= first,
    )
    if excluding is not None:
        query = query.where(Reservation.id != excluding)
    taken: dict[date, int] = {}
    for start, end, units in db.session.execute(query):
        if start is None or end is None:  # bookings always have both; the types cannot say
            continue
        day = max(start, first)
        while day <= min(end, last):
            taken[day] = taken.get(day, 0) + int(units)
            day += timedelta(days=1)
    return taken


def _lock_listing(listing: Listing) -> None:
    # PostgreSQL serialises bookings of one listing on its row; SQLite ignores FOR UPDATE
    # but already holds the whole database from BEGIN IMMEDIATE.
    db.session.execute(sa.select(Listing.id).where(Listing.id == listing.id).with_for_update())


def _check_free(listing: Listing, request: BookingRequest) -> None:
    taken = booked_units(listing.id, request.start, request.end)
    capacity = int(listing.quantity_total)
    for day, units in sorted(taken.items()):
        if units + request.units > capacity:
            free = capacity - units
            raise Conflict(
                _l(
                    "Only %(free)d units are free on %(day)s.",
                    free=max(free, 0),
                    day=format_date(day, "medium"),
                ),
                field="start",
            )


def book_equipment(
    requester: User, listing: Listing, request: BookingRequest, now: datetime | None = None
) -> Reservation:
    now = now or utcnow()
    existing = _existing(requester, request.idempotency_key)
    if existing is not None:
        return existing
    _check_reservable(listing, requester, ListingKind.EQUIPMENT)
    _check_units(listing, request.units)
    _check_period(listing, request, now.astimezone(HELSINKI).date())
    message = _check_message(request.message)
    _lock_listing(listing)
    _check_free(listing, request)
    days = (request.end - request.start).days + 1
    price = pricing.booking_price_cents(listing, days, request.units)
    status = _initial_status(listing, price, request.pay_online)
    pickup_end = datetime.combine(request.start, time(23, 59), HELSINKI)
    return _save_new(
        listing,
        requester,
        now,
        take=None,
        status=status,
        quantity=Decimal(request.units),
        start_date=request.start,
        end_date=request.end,
        pickup_at=datetime.combine(request.start, time(8, 0), HELSINKI),
        message=message,
        price_cents=price,
        deposit_cents=listing.deposit_cents,
        idempotency_key=request.idempotency_key,
        expires_at=_deadline(status, now, pickup_end),
    )


# Creating and moving reservations


_NEW_RESERVATION = sa.inspect(Reservation).class_manager.new_instance
# Columns a new row leaves empty, so that reading them does not go back to the database.
_EMPTY_AT_FIRST = dict.fromkeys(
    (
        "reminded_at",
        "completed_at",
        "closed_at",
        "mass_kg",
        "co2e_kg",
        "emission_factor",
        "emission_factor_source",
    )
)


def _as_written(row: dict[str, Any], listing: Listing, requester: User) -> Reservation:
    """The reservation as the ORM would load it after the write, without reading it back.

    Made the way the ORM makes loaded objects (no constructor, values as committed): the
    constructor's change tracking and backref events cost more than the row's own INSERT,
    and nothing here is a change to flush."""
    reservation = _NEW_RESERVATION()
    reservation.__dict__.update(row, listing=listing, requester=requester)
    reservation.__dict__.update(_EMPTY_AT_FIRST)
    set_committed_value(reservation, "events", [])
    return reservation


def _save_new(
    listing: Listing, requester: User, now: datetime, take: Decimal | None, **fields: Any
) -> Reservation:
    """Write the reservation with `creation.write` (one statement on PostgreSQL) rather than
    an ORM flush, then hand the row back as a session object without reading it again."""
    status = fields["status"]
    accepted = status == ReservationStatus.ACCEPTED
    row = {
        **fields,
        "listing_id": listing.id,
        "requester_id": requester.id,
        "pickup_code": codes.new_pickup_code(),
        "reason": "",
        "requested_at": now,
        "accepted_at": now if accepted else None,
        "created_at": now,
        "updated_at": now,
    }
    reservation = _as_written(row, listing, requester)
    announce = status != ReservationStatus.PENDING_PAYMENT
    new = creation.NewReservation(
        row=row,
        take=take,
        notice=_creation_notice(reservation) if announce else None,
        entry=audit.entry(
            requester,
            "reservation.created",
            "reservation",
            None,
            listing=listing.id,
            status=str(status),
        ),
    )
    session = db.session()  # looked up once: each lookup through the scoped proxy costs
    try:
        written = creation.write(new)
    except IntegrityError:
        session.rollback()
        existing = _existing(requester, fields["idempotency_key"])
        if existing is None:
            raise
        return existing
    if written is None:
        session.rollback()
        raise Conflict(
            _l("Someone reserved it just before you; less is available now."), field="quantity"
        )
    if written.left is not None:
        _stock_taken(listing, written.left)
    reservation.__dict__["id"] = written.reservation_id
    make_transient_to_detached(reservation)
    session.add(reservation)
    # The request itself is on the reservation row (requester, requested_at); the timeline
    # shows it from there, so the busiest path writes one row less.
    if accepted:
        _event(reservation, None, ReservationStatus.REQUESTED, ReservationStatus.ACCEPTED)
    if announce:
        notifications.email_after_commit()
        _publish_request(reservation)
    # The listing's stock and the new reservation are set above as they were committed.
    commit_keeping_loaded(session)
    return reservation


def _announce_request(reservation: Reservation) -> None:
    """The lister hears of a request once it is firm: made, or paid for when paying online."""
    notifications.add(_creation_notice(reservation))
    _publish_request(reservation)


def _publish_request(reservation: Reservation) -> None:
    events.publish(reservation, events.REQUESTED, actor_id=reservation.requester_id)
    if reservation.status == ReservationStatus.ACCEPTED:
        events.publish(reservation, events.ACCEPTED)


# Payment-driven transitions. They take part in the payment's unit of work (the Stripe event
# is stored in the same transaction), so they do not commit.


def mark_paid(reservation: Reservation, now: datetime) -> None:
    """The payment for a held reservation arrived: the request goes to the lister."""
    to = _first_status(reservation.listing)
    deadline = _deadline(to, now, _pickup_end(reservation))
    _move(
        reservation,
        None,
        {ReservationStatus.PENDING_PAYMENT},
        to,
        now,
        expires_at=deadline,
        publish=False,
    )
    db.session.refresh(reservation)
    _announce_request(reservation)


def release_unpaid(reservation: Reservation, now: datetime) -> None:
    """The checkout ended unpaid: the hold ends and the stock or days are free again."""
    _move(reservation, None, {ReservationStatus.PENDING_PAYMENT}, ReservationStatus.EXPIRED, now)
    _release_stock(reservation)


def reinstate(reservation: Reservation, now: datetime) -> Reservation | None:
    """A payment arrived after its hold was released. Hold the same again, as a new
    reservation (the released one stays as it ended), if there is still enough."""
    listing = reservation.listing
    if listing.status != ListingStatus.ACTIVE:
        return None
    if listing.kind == ListingKind.MATERIAL:
        if not _try_take_stock(listing, reservation.quantity):
            return None
    else:
        assert reservation.start_date is not None and reservation.end_date is not None
        _lock_listing(listing)
        taken = booked_units(listing.id, reservation.start_date, reservation.end_date)
        if any(
            units + int(reservation.quantity) > int(listing.quantity_total)
            for units in taken.values()
        ):
            return None
    status = _first_status(listing)
    again = Reservation(
        listing=listing,
        requester=reservation.requester,
        status=status,
        quantity=reservation.quantity,
        start_date=reservation.start_date,
        end_date=reservation.end_date,
        pickup_at=reservation.pickup_at,
        message=reservation.message,
        price_cents=reservation.price_cents,
        deposit_cents=reservation.deposit_cents,
        pickup_code=codes.new_pickup_code(),
        idempotency_key=f"reinstated:{reservation.id}",
        requested_at=now,
        accepted_at=now if status == ReservationStatus.ACCEPTED else None,
        expires_at=_deadline(status, now, _pickup_end(reservation)),
    )
    db.session.add(again)
    db.session.flush()
    audit.record(None, "reservation.reinstated", "reservation", again.id, released=reservation.id)
    _announce_request(again)
    return again


def _event(
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


def _move(
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
        raise Conflict(CHANGED_MEANWHILE)
    db.session.expire(reservation)
    _event(reservation, actor, before, to, reason)
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


def get_for(reservation_id: int, user: User) -> Reservation:
    reservation = db.session.get(Reservation, reservation_id)
    if reservation is None or not (
        reservation.requester_id == user.id
        or can_manage(reservation.listing, user)
        or user.is_moderator
    ):
        raise NotFound(_l("No such reservation."))
    return reservation


def accept(reservation: Reservation, actor: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    require_manager(reservation, actor)
    pickup_end = _pickup_end(reservation)
    _move(
        reservation,
        actor,
        {ReservationStatus.REQUESTED},
        ReservationStatus.ACCEPTED,
        now,
        expires_at=pickup_end,
    )
    notifications.notify(
        reservation.requester, "accepted", reservation, **_pickup_details(reservation)
    )
    db.session.commit()


def _pickup_end(reservation: Reservation) -> datetime:
    if reservation.start_date is not None:
        return datetime.combine(reservation.start_date, time(23, 59), HELSINKI)
    assert reservation.pickup_at is not None
    return reservation.pickup_at + timedelta(hours=_settings("PICKUP_WINDOW_HOURS"))


def decline(
    reservation: Reservation, actor: User, reason: str, now: datetime | None = None
) -> None:
    require_manager(reservation, actor)
    reason = _reason(reason)
    _move(
        reservation,
        actor,
        {ReservationStatus.REQUESTED},
        ReservationStatus.DECLINED,
        now or utcnow(),
        reason,
    )
    _release_stock(reservation)
    notifications.notify(reservation.requester, "declined", reservation, reason=reason)
    db.session.commit()


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > 500:
        raise _invalid(_l("Keep the reason under 500 characters."), "reason")
    return reason


def cancel(
    reservation: Reservation, actor: User, reason: str = "", now: datetime | None = None
) -> None:
    require_party(reservation, actor)
    reason = _reason(reason)
    _move(reservation, actor, HOLDING, ReservationStatus.CANCELLED, now or utcnow(), reason)
    _release_stock(reservation)
    other = _lister(reservation) if actor.id == reservation.requester_id else reservation.requester
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
        raise _invalid(_l("Only part of a material reservation can be cancelled."), "quantity")
    if not 0 < quantity < reservation.quantity:
        raise _invalid(_l("Keep more than zero and less than you have now."), "quantity")
    require_decimal(quantity, QUANTITY, "quantity", _l("Quantity"))
    if listing.unit.whole_only and quantity != quantity.to_integral_value():
        raise _invalid(_l("Pieces and sets are reserved in whole numbers."), "quantity")
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
        raise Conflict(CHANGED_MEANWHILE)
    db.session.execute(
        sa.update(LISTINGS)
        .where(LISTINGS.c.id == listing.id)
        .values(quantity_available=LISTINGS.c.quantity_available + (old_quantity - quantity))
    )
    db.session.expire(reservation)
    db.session.expire(listing, ["quantity_available"])
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
        raise _invalid(_l("The pickup code does not match this reservation."), "code")
    impact = estimate(
        reservation.quantity, reservation.listing.mass_per_unit_kg, reservation.listing.category
    )
    material = reservation.listing.kind == ListingKind.MATERIAL
    _move(
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
    if not 1 <= len(text) <= MAX_MESSAGE:
        raise _invalid(_l("Write a message of at most 2000 characters."), "text")
    reservation.events.append(ReservationEvent(actor=author, kind=EventKind.MESSAGE, text=text))
    other = _lister(reservation) if author.id == reservation.requester_id else reservation.requester
    notifications.notify(other, "message", reservation, author=author.display_name, text=text)
    db.session.commit()


# Expiry, safe to run every minute and from several processes at once


def expire_due(now: datetime | None = None) -> int:
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Reservation.id)
        .where(Reservation.status.in_(HOLDING), Reservation.expires_at <= now)
        .order_by(Reservation.expires_at)
    ).all()
    db.session.commit()
    expired = 0
    for reservation_id in due:
        reservation = db.session.get(Reservation, reservation_id)
        if reservation is None:
            continue
        try:
            _move(reservation, None, HOLDING, ReservationStatus.EXPIRED, now)
        except Conflict:
            continue  # another runner, or a party, got there first
        _release_stock(reservation)
        for party in (reservation.requester, _lister(reservation)):
            notifications.notify(party, "expired", reservation)
        db.session.commit()
        expired += 1
    return expired


def remind_due(now: datetime | None = None) -> int:
    """One reminder per reservation to whoever must act before it expires."""
    now = now or utcnow()
    soon = now + timedelta(hours=_settings("REMIND_HOURS"))
    due = db.session.scalars(
        sa.select(Reservation.id).where(
            Reservation.status.in_([ReservationStatus.REQUESTED, ReservationStatus.ACCEPTED]),
            Reservation.expires_at <= soon,
            Reservation.expires_at > now,
            Reservation.reminded_at.is_(None),
        )
    ).all()
    db.session.commit()
    reminded = 0
    for reservation_id in due:
        claimed = db.session.execute(
            sa.update(Reservation)
            .where(Reservation.id == reservation_id, Reservation.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        reservation = db.session.get(Reservation, reservation_id)
        assert reservation is not None
        who = (
            _lister(reservation)
            if reservation.status == ReservationStatus.REQUESTED
            else reservation.requester
        )
        notifications.notify(
            who, "expiring_soon", reservation, deadline=_when(reservation.expires_at)
        )
        db.session.commit()
        reminded += 1
    return reminded


# Notifications


def _lister(reservation: Reservation) -> User:
    return reservation.listing.owner


def _amount(reservation: Reservation) -> dict[str, Any]:
    # Kept unformatted: the reader's language writes it, when the page or e-mail is made.
    return notifications.amount_of(
        reservation.quantity,
        reservation.listing.unit,
        reservation.start_date,
        reservation.end_date,
    )


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def _pickup_details(reservation: Reservation) -> dict[str, Any]:
    """The acceptance notice: the first the requester hears of a private person's address and
    pickup instructions (the public sees only the postal area, see `places`)."""
    site = reservation.listing.site
    return {
        "amount": _amount(reservation),
        "when": _when(reservation.pickup_at),
        "place": f"{site.name}, {site.address}, {site.postal_code} {site.city}",
        "instructions": reservation.listing.pickup_instructions,
        "code": reservation.pickup_code,
    }


def _creation_notice(reservation: Reservation) -> dict[str, Any]:
    """What the party who must act next is told of a new request."""
    if reservation.status == ReservationStatus.ACCEPTED:
        return notifications.notice(
            reservation.requester, "accepted", reservation, **_pickup_details(reservation)
        )
    return notifications.notice(
        reservation.listing.owner_id,
        "new_request",
        reservation,
        requester=reservation.requester.display_name,
        amount=_amount(reservation),
        message=reservation.message,
        deadline=_when(reservation.expires_at),
    )


# Lists for pages


def requested_by(user: User, status: ReservationStatus | None = None) -> list[Reservation]:
    query = sa.select(Reservation).where(Reservation.requester_id == user.id)
    if status is not None:
        query = query.where(Reservation.status == status)
    return list(db.session.scalars(query.order_by(Reservation.id.desc())))


def requests_for(
    user: User, status: ReservationStatus | None = None, organisation_id: int | None = None
) -> list[Reservation]:
    """Reservations on listings the user manages: their own, and their organisations'."""
    organisations = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
    mine = sa.or_(
        sa.and_(Listing.organisation_id.is_(None), Listing.owner_id == user.id),
        Listing.organisation_id.in_(organisations),
    )
    query = sa.select(Reservation).join(Reservation.listing).where(mine)
    if organisation_id is not None:
        query = query.where(Listing.organisation_id == organisation_id)
    if status is not None:
        query = query.where(Reservation.status == status)
    return list(db.session.scalars(query.order_by(Reservation.id.desc())))


def availability(listing: Listing, first: date, days: int) -> list[tuple[date, int]]:
    """Free units of a rental listing on each of `days` days from `first`."""
    last = first + timedelta(days=days - 1)
    taken = booked_units(listing.id, first, last)
    capacity = int(listing.quantity_total)
    return [
        (
            first + timedelta(days=offset),
            max(capacity - taken.get(first + timedelta(days=offset), 0), 0),
        )
        for offset in range(days)
    ]


def today() -> date:
    return today_in_finland()
