from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import today_in_finland
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.listings import access, services
from marketplace.models import (
    AuditEvent,
    DecisionAction,
    HazardStatus,
    Listing,
    ListingKind,
    ListingStatus,
    ModerationTarget,
    PriceModel,
    Role,
    Unit,
)
from marketplace.moderation import decisions


def listings() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) or 0


def test_a_published_listing_offers_its_whole_quantity(
    app: Flask, make_listing: Callable[..., Listing]
) -> None:
    listing = make_listing()
    assert listing.status == ListingStatus.ACTIVE
    assert listing.published_at is not None
    assert listing.quantity_available == listing.quantity_total == Decimal(500)
    assert listing.mass_per_unit_kg == Decimal("2.3")  # from the category
    assert listing.organisation_id is None


def test_a_listing_at_an_organisation_site_belongs_to_the_organisation(
    app: Flask,
    make_user: Any,
    make_organisation: Any,
    make_site: Any,
    make_listing: Callable[..., Listing],
) -> None:
    owner, colleague = make_user(), make_user()
    organisation = make_organisation(owner, members=(colleague,))
    listing = make_listing(owner=colleague, site=make_site(owner, organisation))
    assert listing.organisation_id == organisation.id
    assert access.can_manage(listing, owner)
    assert not access.can_manage(listing, make_user())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": Decimal(0)}, "quantity"),
        ({"quantity": Decimal(-5)}, "quantity"),
        ({"quantity": Decimal(10_000_000)}, "quantity"),
        ({"quantity": Decimal("2.5")}, "quantity"),  # bricks are counted
        ({"unit": Unit.M2, "quantity": Decimal("2.0005")}, "quantity"),
        ({"mass_per_unit_kg": Decimal(-1)}, "mass_per_unit_kg"),
        ({"mass_per_unit_kg": Decimal(1_000_000)}, "mass_per_unit_kg"),
        ({"price_model": PriceModel.PER_UNIT}, "price_cents"),
        ({"price_model": PriceModel.PER_UNIT, "price_cents": -100}, "price_cents"),
        ({"price_model": PriceModel.PER_UNIT, "price_cents": 10**9}, "price_cents"),
        ({"price_model": PriceModel.RENTAL}, "price_model"),
        ({"title": "x"}, "title"),
        ({"category_id": 999_999}, "category_id"),
        ({"available_until": today_in_finland() - timedelta(days=1)}, "available_until"),
        ({"available_from": today_in_finland() + timedelta(days=1000)}, "available_from"),
        ({"demolition_material": True}, "hazard_status"),
    ],
)
def test_bad_details_name_the_field_and_save_nothing(
    app: Flask, make_user: Any, make_site: Any, details: Any, changes: dict[str, Any], field: str
) -> None:
    owner = make_user()
    site = make_site(owner)
    with pytest.raises(ValidationError) as raised:
        services.create_listing(owner, details(site, **changes), publish=True)
    assert raised.value.field == field
    assert listings() == 0


def test_equipment_needs_an_equipment_category(
    app: Flask, make_user: Any, make_site: Any, details: Any, category: Any
) -> None:
    owner = make_user()
    site = make_site(owner)
    with pytest.raises(ValidationError) as raised:
        services.create_listing(
            owner,
            details(
                site, kind=ListingKind.EQUIPMENT, price_model=PriceModel.RENTAL, price_cents=5000
            ),
        )
    assert raised.value.field == "category_id"
    rental = services.create_listing(
        owner,
        details(
            site,
            kind=ListingKind.EQUIPMENT,
            category_id=category("facade-scaffolding").id,
            unit=Unit.SET,
            quantity=Decimal(3),
            price_model=PriceModel.RENTAL,
            price_cents=4500,
            week_price_cents=18000,
            deposit_cents=20000,
            min_rental_days=3,
        ),
    )
    assert rental.min_rental_days == 3 and rental.week_price_cents == 18000


def test_only_your_own_places(app: Flask, make_user: Any, make_site: Any, details: Any) -> None:
    someone_elses = make_site(make_user())
    with pytest.raises(ValidationError) as raised:
        services.create_listing(make_user(), details(someone_elses))
    assert raised.value.field == "site_id"


def test_hazardous_demolition_material_is_never_published(
    app: Flask, make_user: Any, make_site: Any, details: Any
) -> None:
    owner = make_user()
    site = make_site(owner)
    asbestos = details(site, demolition_material=True, hazard_status=HazardStatus.ASBESTOS)
    with pytest.raises(ValidationError) as raised:
        services.create_listing(owner, asbestos, publish=True)
    assert raised.value.field == "hazard_status"
    assert listings() == 0
    draft = services.create_listing(owner, asbestos, publish=False)
    with pytest.raises(ValidationError):
        services.publish_listing(draft, owner)
    clean = details(
        site,
        demolition_material=True,
        hazard_status=HazardStatus.DECLARED_CLEAN,
        hazard_notes="Asbestikartoitus 3/2026",
    )
    # Surveyed demolition material waits for a moderator's review before it goes public.
    held = services.create_listing(owner, clean, publish=True)
    assert held.status == ListingStatus.PENDING_REVIEW


def test_lifecycle_and_its_audit_trail(app: Flask, make_listing: Any) -> None:
    listing = make_listing(publish=False)
    owner = listing.owner
    assert listing.status == ListingStatus.DRAFT
    services.publish_listing(listing, owner)
    services.pause_listing(listing, owner)
    assert listing.status == ListingStatus.PAUSED
    with pytest.raises(Conflict):
        services.pause_listing(listing, owner)
    services.publish_listing(listing, owner)
    services.close_listing(listing, owner)
    assert listing.status == ListingStatus.CLOSED and listing.closed_at is not None
    with pytest.raises(Conflict):
        services.publish_listing(listing, owner)
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "listing", AuditEvent.object_id == listing.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "listing.created",
        "listing.published",
        "listing.paused",
        "listing.published",
        "listing.closed",
    ]


def test_others_cannot_change_a_listing(
    app: Flask, make_user: Any, make_listing: Any, details: Any
) -> None:
    listing = make_listing()
    stranger = make_user()
    for change in (services.pause_listing, services.close_listing, services.publish_listing):
        with pytest.raises(NotFound):
            change(listing, stranger)
    with pytest.raises(NotFound):
        services.update_listing(listing, stranger, details(listing.site))
    assert listing.status == ListingStatus.ACTIVE


def test_editing_keeps_reserved_stock_reserved(app: Flask, make_listing: Any, details: Any) -> None:
    listing = make_listing()
    # 120 bricks are held by reservations.
    db.session.execute(
        sa.update(Listing).where(Listing.id == listing.id).values(quantity_available=Decimal(380))
    )
    db.session.commit()
    db.session.refresh(listing)
    services.update_listing(listing, listing.owner, details(listing.site, quantity=Decimal(600)))
    assert (listing.quantity_total, listing.quantity_available) == (Decimal(600), Decimal(480))
    with pytest.raises(Conflict) as raised:
        services.update_listing(
            listing, listing.owner, details(listing.site, quantity=Decimal(100))
        )
    assert raised.value.field == "quantity"
    db.session.rollback()
    db.session.refresh(listing)
    assert (listing.quantity_total, listing.quantity_available) == (Decimal(600), Decimal(480))
    services.update_listing(listing, listing.owner, details(listing.site, quantity=Decimal(120)))
    assert listing.quantity_available == 0


def test_expiry_runs_once_per_listing(app: Flask, make_listing: Any) -> None:
    listing = make_listing()
    later = listing.available_until + timedelta(days=1)
    assert services.expire_listings(later) == 1
    assert services.expire_listings(later) == 0
    db.session.refresh(listing)
    assert listing.status == ListingStatus.EXPIRED


def test_moderators_remove_with_a_reason(app: Flask, make_user: Any, make_listing: Any) -> None:
    listing = make_listing()

    def remove(moderator: Any, facts: str) -> None:
        decisions.decide_on_item(
            ModerationTarget.LISTING,
            listing.id,
            moderator,
            decisions.DecisionEntry(
                DecisionAction.REMOVE_LISTING, "terms-lawful-accurate", "", facts
            ),
        )

    with pytest.raises(Forbidden):
        remove(make_user(), "Roskapostia, sama ilmoitus monta kertaa.")
    moderator = make_user(role=Role.MODERATOR)
    with pytest.raises(ValidationError):
        remove(moderator, " ")
    remove(moderator, "Sisältää asbestia kuvien perusteella.")
    db.session.refresh(listing)
    assert listing.status == ListingStatus.REMOVED
    assert listing.removal_reason == "Sisältää asbestia kuvien perusteella."
    with pytest.raises(NotFound):
        access.get_visible(listing.id, make_user())
    with pytest.raises(NotFound):
        access.get_visible(listing.id, None)
    assert access.get_visible(listing.id, listing.owner) == listing


def test_drafts_are_seen_only_by_their_managers(
    app: Flask, make_user: Any, make_listing: Any
) -> None:
    draft = make_listing(publish=False)
    with pytest.raises(NotFound):
        access.get_visible(draft.id, make_user())
    assert access.get_visible(draft.id, draft.owner) == draft


def test_duplicates_are_drafts_with_their_own_photo_files(app: Flask, make_listing: Any) -> None:
    listing = make_listing(photos=2)
    copy = services.duplicate_listing(listing, listing.owner)
    assert copy.status == ListingStatus.DRAFT and copy.title == listing.title
    assert len(copy.photos) == 2
    original_keys = {key for photo in listing.photos for key in photo.variants.values()}
    copied_keys = {key for photo in copy.photos for key in photo.variants.values()}
    assert original_keys.isdisjoint(copied_keys)


def test_managed_listings_include_the_organisations(
    app: Flask, make_user: Any, make_organisation: Any, make_site: Any, make_listing: Any
) -> None:
    owner, colleague = make_user(), make_user()
    organisation = make_organisation(owner, members=(colleague,))
    shared = make_listing(owner=owner, site=make_site(owner, organisation))
    personal = make_listing(owner=colleague)
    assert {listing.id for listing in services.managed_listings(colleague)} == {
        shared.id,
        personal.id,
    }
    assert services.managed_listings(colleague, organisation.id) == [shared]
    with pytest.raises(NotFound):
        services.managed_listings(make_user(), organisation.id)
