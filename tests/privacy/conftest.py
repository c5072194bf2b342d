"""A person who has used every part of the marketplace, and the people around them.

Pirkko Poistuja lives in Kera. She gives away bricks from home and rents scaffolding from a
rental company, is a member of a contractor whose listings she keeps, saves a search, reports
a listing, was the subject of a moderation decision and complained about it. Her name, e-mail
and phone number are written wherever a person could write them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from marketplace.alerts import services as alerts
from marketplace.extensions import db
from marketplace.models import (
    AlertFrequency,
    CaseStatus,
    Complaint,
    Decision,
    DecisionAction,
    GroundKind,
    Listing,
    ModerationCase,
    ModerationTarget,
    Notice,
    NoticeReason,
    Organisation,
    OrganisationKind,
    Reservation,
    Role,
    Site,
    User,
    WebhookEndpoint,
)
from marketplace.reservations import materials, transitions
from marketplace.reservations.materials import MaterialRequest
from marketplace.sites.services import SiteDetails
from tests.reservations.conftest import tomorrow_at
from tests.support import Client

NAME = "Pirkko Poistuja"
EMAIL = "pirkko.poistuja@example.fi"
PHONE = "040 765 4321"
HOME = SiteDetails(f"{NAME}n koti", "Poistujantie 5 B 12", "02650", "Espoo", 60.2181, 24.7544)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Partner webhooks wait in their outbox: the deliveries are what the tests look at.
    app_config["WEBHOOKS_DELIVERY"] = "job"
    return app_config


@pytest.fixture
def signed_in(app: Flask) -> Callable[[User], Client]:
    """A browser of its own, signed in as the given person."""

    def sign_in(user: User) -> Client:
        browser: Client = app.test_client()  # type: ignore[assignment]
        browser.sign_in(user.email)
        return browser

    return sign_in


@dataclass
class World:
    person: User
    other: User
    colleague: User
    moderator: User
    organisation: Organisation
    rental_company: Organisation
    home: Site
    own_listing: Listing
    org_listing: Listing
    their_listing: Listing
    open_on_mine: Reservation
    done_on_mine: Reservation
    open_by_person: Reservation
    done_by_person: Reservation
    open_on_org: Reservation


def _reserve(requester: User, listing: Listing, quantity: int, message: str = "") -> Reservation:
    return materials.reserve_material(
        requester, listing, MaterialRequest(Decimal(quantity), tomorrow_at(), message=message)
    )


def _hand_over(reservation: Reservation) -> None:
    lister = reservation.listing.owner
    transitions.accept(reservation, lister)
    transitions.complete(reservation, lister, reservation.pickup_code)


def _moderation(world: World) -> None:
    case = ModerationCase(
        target_type=ModerationTarget.LISTING,
        target_id=world.their_listing.id,
        status=CaseStatus.OPEN,
        notice_count=2,
    )
    db.session.add(case)
    for user_id in (world.person.id, None):  # signed in, and signed out with her e-mail
        case.notices.append(
            Notice(
                target_type=ModerationTarget.LISTING,
                target_id=world.their_listing.id,
                reason=NoticeReason.SPAM,
                explanation="Sama ilmoitus kymmenen kertaa.",
                reporter_user_id=user_id,
                reporter_name=NAME,
                reporter_email=EMAIL,
                good_faith=True,
            )
        )
    decision = Decision(
        target_type=ModerationTarget.LISTING,
        target_id=world.own_listing.id,
        affected_user_id=world.person.id,
        action=DecisionAction.NO_ACTION,
        ground_kind=GroundKind.TERMS,
        ground="Käyttöehdot, kohta 4",
        facts="Ilmoitus on käyttöehtojen mukainen.",
        decided_by_id=world.moderator.id,
    )
    db.session.add(decision)
    db.session.flush()
    db.session.add(
        Complaint(
            decision_id=decision.id,
            complainant_user_id=world.person.id,
            complainant_email=EMAIL,
            text=f"Olen {NAME}, soittakaa {PHONE}.",
        )
    )
    db.session.commit()


@pytest.fixture
def world(
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_site: Callable[..., Site],
    make_listing: Callable[..., Listing],
) -> World:
    person = make_user(email=EMAIL, name=NAME)
    other = make_user(email="olli.muu@example.fi", name="Olli Muu")
    colleague = make_user(email="kaisa@rakennus.example", name="Kaisa Kollega")
    moderator = make_user(email="moderaattori@example.fi", role=Role.MODERATOR)
    organisation = make_organisation(
        colleague, name="Rakennus Testi Oy", kind=OrganisationKind.CONTRACTOR, members=(person,)
    )
    rental_company = make_organisation(
        other, name="Ollin Vuokraus Oy", kind=OrganisationKind.RENTAL_PARTNER, verified=True
    )
    db.session.add(
        WebhookEndpoint(
            organisation_id=rental_company.id,
            url="https://erp.ollinvuokraus.example/hooks",
            events=["reservation.requested", "reservation.cancelled"],
            secret="whsec_test",
            created_by_id=other.id,
        )
    )
    db.session.commit()
    home = make_site(person, details=HOME)
    own_listing = make_listing(
        owner=person,
        site=home,
        photos=1,
        description=f"Ehjiä tiiliä. Kysy lisää: {PHONE}",
        pickup_instructions=f"Soita ovikelloa, {NAME}, {PHONE}",
    )
    org_listing = make_listing(owner=person, site=make_site(colleague, organisation))
    their_listing = make_listing(owner=other, site=make_site(other, rental_company))

    done_on_mine = _reserve(other, own_listing, 40, "Haen peräkärryllä.")
    _hand_over(done_on_mine)
    open_on_mine = _reserve(other, own_listing, 20)
    transitions.accept(open_on_mine, person)  # tells Olli her home address
    transitions.post_message(open_on_mine, person, f"Tervetuloa! t. {NAME}, {PHONE}")
    declined = _reserve(other, own_listing, 5)
    transitions.decline(declined, person, f"Ei tänään, soita {PHONE}")

    done_by_person = _reserve(person, their_listing, 30, f"Soita {PHONE}")
    _hand_over(done_by_person)
    open_by_person = _reserve(person, their_listing, 10, f"Terveisin {NAME}")
    transitions.post_message(open_by_person, person, f"Olen {NAME}, puhelin {PHONE}")
    transitions.post_message(open_by_person, other, "Selvä, nähdään.")
    open_on_org = _reserve(other, org_listing, 5)

    alerts.create_saved_search(person, {"q": "tiili"}, f"{NAME}n tiilihaku", AlertFrequency.DAILY)
    world = World(
        person=person,
        other=other,
        colleague=colleague,
        moderator=moderator,
        organisation=organisation,
        rental_company=rental_company,
        home=home,
        own_listing=own_listing,
        org_listing=org_listing,
        their_listing=their_listing,
        open_on_mine=open_on_mine,
        done_on_mine=done_on_mine,
        open_by_person=open_by_person,
        done_by_person=done_by_person,
        open_on_org=open_on_org,
    )
    _moderation(world)
    return world
