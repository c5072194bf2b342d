"""The listing lifecycle: draft → active ⇄ paused → closed; expired when its time runs out;
held for a moderator's review before it first goes public when the operator says so; removed
or restricted by a moderation decision. Every change is one unit of work that checks who may
do it; the changes a moderation decision makes (`take_down`, `restrict`, `release_from_review`
and their reversals) are parts of the decision's unit of work and do not commit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import today_in_finland, utcnow
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.listings import events
from marketplace.listings.access import require_manager
from marketplace.listings.photo_processing import PreparedPhoto
from marketplace.listings.photo_service import attach_photos, copy_photos, forget_stored
from marketplace.models import (
    AuditEvent,
    Category,
    CategoryKind,
    Condition,
    HazardStatus,
    Listing,
    ListingKind,
    ListingStatus,
    Membership,
    PriceModel,
    Site,
    Unit,
    User,
    audit,
)
from marketplace.models.user import Language
from marketplace.organisations.services import membership
from marketplace.sites.services import SiteDetails, site_columns
from marketplace.sites.services import can_manage as can_manage_site
from marketplace.sites.services import check_details as check_site_details
from marketplace.web.labels import label

MAX_QUANTITY = Decimal(1_000_000)
MAX_MASS_KG = Decimal(100_000)
MAX_PRICE_CENTS = 10_000_000
MAX_RENTAL_DAYS = 365
MAX_DAYS_AHEAD = 730

PRICE_MODELS = {
    ListingKind.MATERIAL: {PriceModel.FREE, PriceModel.PER_UNIT, PriceModel.PER_LOT},
    ListingKind.EQUIPMENT: {PriceModel.RENTAL, PriceModel.FREE},
    ListingKind.WANTED: {PriceModel.FREE, PriceModel.PER_UNIT},
}
EDITABLE = {
    ListingStatus.DRAFT,
    ListingStatus.ACTIVE,
    ListingStatus.PAUSED,
    ListingStatus.PENDING_REVIEW,
}
PUBLISHABLE = {ListingStatus.DRAFT, ListingStatus.PAUSED}


@dataclass(frozen=True)
class ListingDetails:
    kind: ListingKind
    site_id: int
    category_id: int
    title: str
    description: str
    language: Language
    condition: Condition | None
    unit: Unit
    quantity: Decimal
    available_from: date
    mass_per_unit_kg: Decimal | None = None
    price_model: PriceModel = PriceModel.FREE
    price_cents: int | None = None
    week_price_cents: int | None = None
    deposit_cents: int | None = None
    min_rental_days: int | None = None
    available_until: date | None = None
    pickup_instructions: str = ""
    delivery_possible: bool = False
    demolition_material: bool = False
    hazard_status: HazardStatus | None = None
    hazard_notes: str = ""
    free_cancellation_hours: int = 24


def _invalid(message: object, field: str) -> ValidationError:
    return ValidationError(message, field=field)  # type: ignore[arg-type]


def _check_text(details: ListingDetails) -> None:
    if not 3 <= len(details.title.strip()) <= 120:
        raise _invalid(_l("Give a title of 3 to 120 characters."), "title")
    if len(details.description) > 5000:
        raise _invalid(_l("Keep the description under 5000 characters."), "description")
    if len(details.pickup_instructions) > 2000:
        raise _invalid(
            _l("Keep the pickup instructions under 2000 characters."), "pickup_instructions"
        )


def _check_category(details: ListingDetails) -> Category:
    category = db.session.get(Category, details.category_id)
    if category is None or not category.active:
        raise _invalid(_l("Choose a category from the list."), "category_id")
    wanted_kind = {
        ListingKind.MATERIAL: CategoryKind.MATERIAL,
        ListingKind.EQUIPMENT: CategoryKind.EQUIPMENT,
    }.get(details.kind)
    if wanted_kind is not None and category.kind != wanted_kind:
        raise _invalid(_l("This category does not fit this kind of listing."), "category_id")
    return category


def _check_quantity(details: ListingDetails) -> None:
    quantity = details.quantity
    if quantity <= 0:
        raise _invalid(_l("The quantity must be more than zero."), "quantity")
    if quantity > MAX_QUANTITY:
        raise _invalid(_l("That quantity is not believable; check it."), "quantity")
    if details.unit.whole_only and quantity != quantity.to_integral_value():
        raise _invalid(_l("Pieces and sets are counted in whole numbers."), "quantity")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise _invalid(_l("Use at most three decimals."), "quantity")
    mass = details.mass_per_unit_kg
    if mass is not None and not 0 <= mass <= MAX_MASS_KG:
        raise _invalid(
            _l("The mass per unit must be between 0 and 100 000 kg."), "mass_per_unit_kg"
        )


def _check_cents(value: int | None, field: str) -> None:
    if value is not None and not 0 <= value <= MAX_PRICE_CENTS:
        raise _invalid(_l("Prices must be between 0 and 100 000 euros."), field)


def _check_price(details: ListingDetails) -> None:
    if not 0 <= details.free_cancellation_hours <= 720:
        raise _invalid(
            _l("Free cancellation can end 0 to 720 hours before pickup."), "free_cancellation_hours"
        )
    if details.price_model not in PRICE_MODELS[details.kind]:
        raise _invalid(_l("This way of pricing does not fit this kind of listing."), "price_model")
    for field in ("price_cents", "week_price_cents", "deposit_cents"):
        _check_cents(getattr(details, field), field)
    if details.price_model in (PriceModel.PER_UNIT, PriceModel.PER_LOT) and (
        details.price_cents is None
    ):
        raise _invalid(_l("Give the price, or make the listing free."), "price_cents")
    if details.price_model == PriceModel.RENTAL:
        if details.price_cents is None and details.week_price_cents is None:
            raise _invalid(_l("Give a price per day, per week, or both."), "price_cents")
        days = details.min_rental_days
        if days is not None and not 1 <= days <= MAX_RENTAL_DAYS:
            raise _invalid(_l("The minimum hire must be 1 to 365 days."), "min_rental_days")


def _check_dates(details: ListingDetails, today: date) -> None:
    if details.available_from > today + timedelta(days=MAX_DAYS_AHEAD):
        raise _invalid(_l("The start date is too far ahead."), "available_from")
    until = details.available_until
    if until is not None and until < details.available_from:
        raise _invalid(_l("The end date cannot be before the start date."), "available_until")


def _check_hazard(details: ListingDetails) -> None:
    if details.demolition_material and details.hazard_status is None:
        raise _invalid(
            _l(
                "Demolition material needs a hazard declaration: say whether it has been "
                "found free of asbestos, PCB and contamination."
            ),
            "hazard_status",
        )


def _check_site(details: ListingDetails, actor: User) -> Site:
    site = db.session.get(Site, details.site_id)
    if site is None or not can_manage_site(site, actor):
        raise _invalid(_l("Choose one of your pickup places."), "site_id")
    return site


def check_fields(details: ListingDetails, today: date) -> Category:
    """Everything `check_details` checks but the site."""
    _check_text(details)
    category = _check_category(details)
    _check_quantity(details)
    _check_price(details)
    _check_dates(details, today)
    _check_hazard(details)
    return category


def check_details(details: ListingDetails, actor: User, today: date) -> tuple[Category, Site]:
    return check_fields(details, today), _check_site(details, actor)


def _normalised(details: ListingDetails, category: Category) -> ListingDetails:
    """Drop what does not apply to the listing's kind and price, and default the mass."""
    rental = details.price_model == PriceModel.RENTAL
    priced = details.price_model != PriceModel.FREE
    return replace(
        details,
        title=details.title.strip(),
        description=details.description.strip(),
        pickup_instructions=details.pickup_instructions.strip(),
        mass_per_unit_kg=(
            details.mass_per_unit_kg
            if details.mass_per_unit_kg is not None
            else category.default_mass_kg
            if details.unit == category.default_unit
            else None
        ),
        price_cents=details.price_cents if priced else None,
        week_price_cents=details.week_price_cents if rental else None,
        deposit_cents=details.deposit_cents if rental else None,
        min_rental_days=(details.min_rental_days or 1) if rental else None,
        hazard_status=details.hazard_status if details.demolition_material else None,
        hazard_notes=details.hazard_notes.strip() if details.demolition_material else "",
    )


COPIED_FIELDS = (
    "kind",
    "category_id",
    "title",
    "description",
    "language",
    "condition",
    "unit",
    "mass_per_unit_kg",
    "price_model",
    "price_cents",
    "week_price_cents",
    "deposit_cents",
    "min_rental_days",
    "available_from",
    "available_until",
    "pickup_instructions",
    "delivery_possible",
    "demolition_material",
    "hazard_status",
    "hazard_notes",
    "free_cancellation_hours",
)


def _apply(listing: Listing, details: ListingDetails, site: Site) -> None:
    for field in COPIED_FIELDS:
        setattr(listing, field, getattr(details, field))
    listing.site = site
    listing.organisation_id = site.organisation_id


def _new_personal_site(actor: User, place: SiteDetails) -> int:
    """A pickup place typed in with the listing (residents rarely save sites beforehand)."""
    try:
        check_site_details(place)
    except ValidationError as error:
        raise _invalid(error.message, f"place-{error.field}") from error
    site = Site(user=actor, **site_columns(place))
    db.session.add(site)
    db.session.flush()
    audit.record(actor, "site.created", "site", site.id, name=site.name)
    return site.id


def create_listing(
    actor: User,
    details: ListingDetails,
    *,
    photos: list[PreparedPhoto] | None = None,
    publish: bool = False,
    new_place: SiteDetails | None = None,
) -> Listing:
    """The listing, its photos and a new pickup place are saved together, or not at all."""
    stored: list[str] = []
    try:
        if new_place is not None:
            details = replace(details, site_id=_new_personal_site(actor, new_place))
        today = today_in_finland()
        listing = build_listing(actor, details, today, publish=False)
        db.session.add(listing)
        db.session.flush()
        stored = attach_photos(listing, photos or [])
        audit.record(actor, "listing.created", "listing", listing.id, title=listing.title)
        if publish:
            _publish(listing, actor, today)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        forget_stored(stored)
        raise
    return listing


def build_listing(
    actor: User,
    details: ListingDetails,
    today: date,
    *,
    publish: bool,
    checked_sites: dict[int, Site] | None = None,
) -> Listing:
    """A checked new listing, not yet in the session, for callers that save many in one flush
    (a partner's batch: a flush per listing costs more than the rest of its work). Raises as
    `create_listing` would. Once flushed, `record_built` audits and announces them.
    `checked_sites`, kept by the caller for one batch of one actor, remembers the sites
    found to be the actor's, so that each is checked once."""
    category = check_fields(details, today)
    known = checked_sites if checked_sites is not None else {}
    site = known.get(details.site_id) or _check_site(details, actor)
    known[details.site_id] = site
    details = _normalised(details, category)
    listing = Listing(owner=actor)
    _apply(listing, details, site)
    listing.category = category
    listing.quantity_total = details.quantity
    listing.quantity_available = details.quantity
    if publish:
        _mark_published(listing, today)
    return listing


def record_built(actor: User, listings: list[Listing]) -> None:
    """What `create_listing` records, for listings from `build_listing` that now have ids."""
    rows: list[dict[str, object]] = []
    now = utcnow()
    for listing in listings:
        common = {"actor_id": actor.id, "object_type": "listing", "object_id": listing.id}
        rows.append({**common, "action": "listing.created", "details": {"title": listing.title}})
        if listing.status == ListingStatus.ACTIVE:
            rows.append({**common, "action": "listing.published", "details": {}})
    if rows:
        db.session.execute(sa.insert(AuditEvent), [{**row, "created_at": now} for row in rows])
    for listing in listings:
        if listing.status == ListingStatus.ACTIVE:
            events.publish(listing, events.PUBLISHED)


def _change_quantity(listing: Listing, new_total: Decimal) -> None:
    """Compare-and-set: what is reserved stays reserved, so the total cannot drop below it."""
    if new_total == listing.quantity_total:
        return
    delta = new_total - listing.quantity_total
    changed = db.session.execute(
        sa.update(Listing)
        .where(
            Listing.id == listing.id,
            Listing.quantity_total == listing.quantity_total,
            Listing.quantity_available + delta >= 0,
        )
        .values(quantity_total=new_total, quantity_available=Listing.quantity_available + delta)
        .execution_options(synchronize_session="fetch")
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _l(
                "Part of the quantity is reserved, so the total cannot be lower than what is "
                "reserved."
            ),
            field="quantity",
        )


def update_listing(listing: Listing, actor: User, details: ListingDetails) -> Listing:
    require_manager(listing, actor)
    if listing.status not in EDITABLE:
        raise Conflict(_l("A closed, expired or removed listing can no longer be edited."))
    if details.kind != listing.kind:
        raise _invalid(_l("The kind of a listing cannot be changed."), "kind")
    category, site = check_details(details, actor, today_in_finland())
    details = _normalised(details, category)
    _change_quantity(listing, details.quantity)
    _apply(listing, details, site)
    if listing.status == ListingStatus.ACTIVE:
        _check_publishable(listing, today_in_finland())
        events.publish(listing, events.UPDATED)
    audit.record(actor, "listing.updated", "listing", listing.id, title=listing.title)
    db.session.commit()
    return listing


def _check_publishable(listing: Listing, today: date) -> None:
    if listing.is_hazardous:
        raise _invalid(
            _l(
                "Materials containing asbestos, PCB or other hazardous substances cannot be "
                "offered for reuse. Take them to a licensed hazardous-waste handler."
            ),
            "hazard_status",
        )
    if listing.available_until is not None and listing.available_until < today:
        raise _invalid(
            _l("The end date has passed; move it forward to publish."), "available_until"
        )
    site = listing.site
    if site.active_until is not None and site.active_until < today:
        raise _invalid(_l("This pickup place is no longer in use; choose another."), "site_id")


def _mark_published(listing: Listing, today: date) -> None:
    _check_publishable(listing, today)
    listing.status = ListingStatus.ACTIVE
    if listing.published_at is None:
        listing.published_at = utcnow()


def needs_review(listing: Listing, now: datetime | None = None) -> bool:
    """Whether publishing waits for a moderator, as the operator set it: demolition material
    (a person checks its hazard declaration) and the listings of brand-new accounts. Only
    the first publication waits; a listing once public comes back from a pause at once."""
    if listing.published_at is not None:
        return False
    config = current_app.config
    if config["MODERATION_HOLD_HAZARDOUS"] and listing.demolition_material:
        return True
    days = int(config["MODERATION_HOLD_NEW_ACCOUNTS_DAYS"])
    return days > 0 and listing.owner.created_at > (now or utcnow()) - timedelta(days=days)


def _publish(listing: Listing, actor: User, today: date) -> None:
    if needs_review(listing):
        _check_publishable(listing, today)
        listing.status = ListingStatus.PENDING_REVIEW
        audit.record(actor, "listing.held_for_review", "listing", listing.id)
        return
    _mark_published(listing, today)
    audit.record(actor, "listing.published", "listing", listing.id)
    events.publish(listing, events.PUBLISHED)


def _refuse_removed(listing: Listing) -> None:
    """Removed content stays removed: neither it nor a copy of it goes public again, short
    of a complaint that reverses the decision."""
    if listing.removed_by_decision_id is not None or listing.status == ListingStatus.REMOVED:
        raise Conflict(
            _l(
                "A moderator removed this listing, so it cannot be published or copied. "
                "You can contest the decision from its statement of reasons."
            )
        )


def _require_status(listing: Listing, allowed: set[ListingStatus]) -> None:
    if listing.status not in allowed:
        raise Conflict(
            _l(
                "The listing is %(status)s, so this cannot be done now.",
                status=label(listing.status),
            )
        )


def publish_listing(listing: Listing, actor: User) -> Listing:
    require_manager(listing, actor)
    _refuse_removed(listing)
    _require_status(listing, PUBLISHABLE)
    _publish(listing, actor, today_in_finland())
    db.session.commit()
    return listing


def pause_listing(listing: Listing, actor: User) -> Listing:
    require_manager(listing, actor)
    _require_status(listing, {ListingStatus.ACTIVE})
    listing.status = ListingStatus.PAUSED
    audit.record(actor, "listing.paused", "listing", listing.id)
    db.session.commit()
    return listing


def close_listing(listing: Listing, actor: User) -> Listing:
    require_manager(listing, actor)
    _require_status(listing, EDITABLE)
    listing.status = ListingStatus.CLOSED
    listing.closed_at = utcnow()
    audit.record(actor, "listing.closed", "listing", listing.id)
    db.session.commit()
    return listing


def take_down(listing: Listing, moderator: User, decision_id: int, reason: str) -> str:
    """Remove the listing by a moderation decision; returns the status it had, which a
    reversal restores. The decision's service checks the moderator and commits."""
    _require_status(listing, set(ListingStatus) - {ListingStatus.REMOVED})
    before = listing.status
    listing.status = ListingStatus.REMOVED
    listing.removal_reason = reason[:500]
    listing.removed_by = moderator
    listing.removed_at = utcnow()
    listing.removed_by_decision_id = decision_id
    audit.record(moderator, "listing.removed", "listing", listing.id, decision=decision_id)
    return before.value


def bring_back(listing: Listing, actor: User, status: ListingStatus) -> None:
    """Undo `take_down`: the listing returns to the status it had, as if never removed."""
    _require_status(listing, {ListingStatus.REMOVED})
    listing.status = status
    listing.removal_reason = None
    listing.removed_by = None
    listing.removed_at = None
    listing.removed_by_decision_id = None
    audit.record(actor, "listing.restored", "listing", listing.id, status=status.value)
    if status == ListingStatus.ACTIVE:
        events.publish(listing, events.PUBLISHED)


def restrict(listing: Listing, moderator: User, decision_id: int) -> None:
    """Hide the listing from search and browsing by a moderation decision; its page stays."""
    if listing.restricted_at is not None:
        raise Conflict(_l("The listing is already hidden from search."))
    listing.restricted_at = utcnow()
    audit.record(moderator, "listing.restricted", "listing", listing.id, decision=decision_id)


def lift_restriction(listing: Listing, actor: User) -> None:
    listing.restricted_at = None
    audit.record(actor, "listing.restriction_lifted", "listing", listing.id)


def release_from_review(listing: Listing, moderator: User) -> None:
    """A moderator approved a listing held for review: it goes public as published."""
    _require_status(listing, {ListingStatus.PENDING_REVIEW})
    _mark_published(listing, today_in_finland())
    audit.record(moderator, "listing.approved", "listing", listing.id)
    events.publish(listing, events.PUBLISHED)


def expire_listings(today: date | None = None) -> int:
    """Active and paused listings whose end date has passed become expired. Safe to rerun."""
    today = today or today_in_finland()
    expired = db.session.scalars(
        sa.update(Listing)
        .where(
            Listing.status.in_([ListingStatus.ACTIVE, ListingStatus.PAUSED]),
            Listing.available_until < today,
        )
        .values(status=ListingStatus.EXPIRED)
        .returning(Listing.id)
    ).all()
    for listing_id in expired:
        audit.record(None, "listing.expired", "listing", listing_id)
    db.session.commit()
    return len(expired)


def managed_listings(user: User, organisation_id: int | None = None) -> list[Listing]:
    organisations = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
    query = sa.select(Listing).order_by(Listing.updated_at.desc())
    if organisation_id is not None:
        if membership(organisation_id, user) is None:
            raise NotFound(_l("No such organisation."))
        query = query.where(Listing.organisation_id == organisation_id)
    else:
        query = query.where(
            sa.or_(
                sa.and_(Listing.organisation_id.is_(None), Listing.owner_id == user.id),
                Listing.organisation_id.in_(organisations),
            )
        )
    return list(db.session.scalars(query))


def duplicate_listing(listing: Listing, actor: User) -> Listing:
    """A new draft with the same details and copies of the photos, for the next batch."""
    require_manager(listing, actor)
    _refuse_removed(listing)
    copy = Listing(owner=actor)
    for field in COPIED_FIELDS:
        setattr(copy, field, getattr(listing, field))
    copy.site = listing.site
    copy.organisation_id = listing.organisation_id
    copy.quantity_total = copy.quantity_available = listing.quantity_total
    available_from = max(listing.available_from, today_in_finland())
    copy.available_from = available_from
    if copy.available_until is not None and copy.available_until < available_from:
        copy.available_until = None
    db.session.add(copy)
    db.session.flush()
    copy_photos(listing, copy)
    audit.record(actor, "listing.duplicated", "listing", copy.id, source=listing.id)
    db.session.commit()
    return copy
