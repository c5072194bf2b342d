"""The demo marketplace: varied, plausible listings with drawn photos, reservations, moderation
at work (notices in the queue, a listing held for review, a decision contested and reversed),
and loading it again adds nothing."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image, ImageChops, ImageStat

from marketplace.core.clock import today_in_finland
from marketplace.demo.listings import read_groups
from marketplace.demo.photos import HEIGHT, WIDTH, demo_photo
from marketplace.extensions import db
from marketplace.models import (
    CaseStatus,
    Category,
    CategoryKind,
    Complaint,
    ComplaintStatus,
    Decision,
    HazardStatus,
    Language,
    Listing,
    ListingKind,
    ListingPhoto,
    ListingStatus,
    ModerationCase,
    Notice,
    Organisation,
    Reservation,
    ReservationStatus,
    Site,
    User,
)
from marketplace.moderation import queue, transparency
from tests.test_cli import last_line


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def check_variety(listings: list[Listing]) -> None:
    assert len(listings) >= 60
    assert {listing.kind for listing in listings} == set(ListingKind)
    assert {listing.language for listing in listings} == set(Language)
    assert len({listing.price_model for listing in listings}) >= 3
    assert len({listing.condition for listing in listings} - {None}) >= 4
    assert len({listing.site_id for listing in listings}) >= 6
    assert len([listing for listing in listings if listing.kind == ListingKind.WANTED]) >= 5
    statuses = [listing.status for listing in listings]
    assert statuses.count(ListingStatus.DRAFT) >= 2 and ListingStatus.PAUSED in statuses


def check_plausibility(listings: list[Listing]) -> None:
    today = today_in_finland()
    for listing in listings:
        if listing.status == ListingStatus.ACTIVE:
            assert listing.available_until is not None and listing.available_until > today
        assert not listing.is_hazardous, listing.title
        if listing.demolition_material:
            assert listing.hazard_status == HazardStatus.DECLARED_CLEAN, listing.title
            assert listing.hazard_notes, listing.title
        if listing.kind == ListingKind.EQUIPMENT:
            assert listing.price_cents or listing.week_price_cents, listing.title
    assert any(listing.demolition_material for listing in listings)


def check_moderation() -> None:
    open_cases = queue.open_cases()
    assert len(open_cases) == 2 and open_cases[0].sources == 2
    assert [listing.status for listing in queue.held_listings()] == [ListingStatus.PENDING_REVIEW]
    complaint = db.session.scalars(sa.select(Complaint)).one()
    assert complaint.status == ComplaintStatus.REVERSED
    assert complaint.handled_by_id != complaint.decision.decided_by_id
    decided = db.session.scalars(
        sa.select(ModerationCase).where(ModerationCase.status == CaseStatus.DECIDED)
    ).one()
    assert decided.decisions[0].reversed_at is not None
    report = transparency.report(transparency.current_year())
    assert report.notices_total == 4 and report.reversals == 1
    assert report.median_hours == 26.0


# One test loads the demo data, which takes several seconds because of the photos.
@pytest.mark.slow
def test_demo_data_is_a_varied_plausible_marketplace_loaded_once(
    app: Flask, runner: FlaskCliRunner
) -> None:
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "4 moderation notices added" in first.output
    listings = list(db.session.scalars(sa.select(Listing)))
    assert f"{len(listings)} listings added" in last_line(first.output)
    check_variety(listings)
    check_plausibility(listings)
    assert count(ListingPhoto) >= 40

    statuses = set(db.session.scalars(sa.select(Reservation.status)))
    assert {
        ReservationStatus.REQUESTED,
        ReservationStatus.ACCEPTED,
        ReservationStatus.COMPLETED,
    } <= statuses
    assert db.session.scalar(sa.select(sa.func.sum(Reservation.co2e_kg))) > 0
    people = (count(User), count(Organisation), count(Site))
    assert people[0] >= 8 and people[1] >= 4 and people[2] >= 8
    check_moderation()
    moderation = (count(Notice), count(Decision), count(Complaint))

    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0, second.output
    assert "0 moderation notices added" in second.output
    assert "0 users, 0 organisations, 0 sites added" in last_line(second.output)
    assert "0 listings added" in last_line(second.output)
    assert "0 reservations added" in last_line(second.output)
    assert count(Listing) == len(listings)
    assert (count(User), count(Organisation), count(Site)) == people
    assert (count(Notice), count(Decision), count(Complaint)) == moderation


def test_demo_listings_name_seeded_categories_of_the_right_kind(app: Flask) -> None:
    kinds = dict(db.session.execute(sa.select(Category.slug, Category.kind)).all())
    wanted_kinds = {
        ListingKind.MATERIAL: {CategoryKind.MATERIAL},
        ListingKind.EQUIPMENT: {CategoryKind.EQUIPMENT},
        ListingKind.WANTED: set(CategoryKind),
    }
    for _lister, listings in read_groups():
        for demo in listings:
            assert kinds.get(demo.category) in wanted_kinds[demo.kind], demo.title


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_demo_photo_is_a_jpeg_of_every_category_each_its_own(sqlite_template: Path) -> None:
    # The seeded categories, read from the migrated template: the photos need no database.
    engine = sa.create_engine(f"sqlite:///{sqlite_template}")
    with engine.connect() as connection:
        slugs = list(connection.scalars(sa.select(Category.slug).order_by(Category.slug)))
    engine.dispose()
    thumbnails = {}
    for slug in [*slugs, "added-by-an-operator"]:
        image = decoded(demo_photo(slug, 7))
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (WIDTH, HEIGHT)), slug
        thumbnails[slug] = image.convert("L").resize((64, 48))
    # Different pictures, not only different bytes: the mean difference of small greyscale
    # copies stays well clear of what JPEG noise alone would give.
    for first, second in itertools.combinations(thumbnails, 2):
        difference = ImageChops.difference(thumbnails[first], thumbnails[second])
        assert ImageStat.Stat(difference).mean[0] > 3, (first, second)


@pytest.mark.parametrize("slug", ["common-bricks", "scissor-lifts", "added-by-an-operator"])
def test_demo_photo_is_deterministic(slug: str) -> None:
    assert demo_photo(slug, 3) == demo_photo(slug, 3)
    assert demo_photo(slug, 3) != demo_photo(slug, 4)
