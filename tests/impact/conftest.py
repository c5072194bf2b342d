"""A small marketplace with handovers whose figures are worked out by hand in the tests.

An organisation's building site in Kera (02650) hands over 40 bricks (2.3 kg each, factor
0.24) and 2 sit-stand desks (45 kg each, no emission factor); a resident in Tapiola (02100)
hands over 10 m² of mineral wool (1.5 kg/m², factor 1.28) and a shop fitting whose mass
nobody knows; a rental partner's scaffolding rental is completed too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import (
    Category,
    Listing,
    Organisation,
    Reservation,
    Site,
    Unit,
    User,
)
from marketplace.reservations import bookings, materials, transitions
from marketplace.reservations.bookings import BookingRequest
from marketplace.reservations.materials import MaterialRequest
from marketplace.sites.services import SiteDetails
from tests.reservations.conftest import next_monday, tomorrow_at

TAPIOLA = SiteDetails("Koti", "Tapionraitti 12", "02100", "Espoo", 60.1761, 24.8052)


def hand_over(requester: User, listing: Listing, quantity: int | str) -> Reservation:
    """Reserve, accept and hand over through the services, as people would."""
    lister = listing.owner
    reservation = materials.reserve_material(
        requester, listing, MaterialRequest(Decimal(quantity), tomorrow_at())
    )
    transitions.accept(reservation, lister)
    transitions.complete(reservation, lister, reservation.pickup_code)
    return reservation


def completed_at(reservation: Reservation, moment: datetime) -> None:
    db.session.execute(
        sa.update(Reservation).where(Reservation.id == reservation.id).values(completed_at=moment)
    )
    db.session.commit()


@dataclass
class Handovers:
    contractor: User
    member: User
    resident: User
    requester: User
    stranger: User
    organisation: Organisation
    kera: Site
    tapiola: Site
    bricks: Reservation
    desks: Reservation
    wool: Reservation
    fitting: Reservation
    rental: Reservation


@pytest.fixture
def handovers(
    app: Flask,
    make_user: Callable[..., User],
    make_organisation: Callable[..., Organisation],
    make_site: Callable[..., Site],
    make_listing: Callable[..., Listing],
    make_rental: Callable[..., Listing],
    category: Callable[[str], Category],
) -> Handovers:
    contractor = make_user(email="contractor@example.fi", name="Contractor")
    member = make_user(email="member@example.fi", name="Member")
    resident = make_user(email="resident@example.fi", name="Resident")
    requester = make_user(email="requester@example.fi", name="Requester")
    stranger = make_user(email="stranger@example.fi", name="Stranger")
    organisation = make_organisation(contractor, name="Rakennus Kera Oy", members=(member,))
    kera = make_site(contractor, organisation)
    tapiola = make_site(resident, details=TAPIOLA)
    bricks = make_listing(owner=contractor, site=kera)
    desks = make_listing(
        owner=contractor,
        site=kera,
        category_id=category("sit-stand-desks").id,
        title="Sähköpöydät",
        quantity=Decimal(6),
    )
    wool = make_listing(
        owner=resident,
        site=tapiola,
        category_id=category("mineral-wool").id,
        title="Mineraalivilla",
        unit=Unit.M2,
        quantity=Decimal(20),
    )
    fitting = make_listing(
        owner=resident,
        site=tapiola,
        category_id=category("shop-fittings").id,
        title="Hylly",
        quantity=Decimal(1),
    )
    scaffolding = make_rental(contractor, site=kera)
    monday = next_monday()
    rental = bookings.book_equipment(
        requester, scaffolding, BookingRequest(monday, monday + timedelta(days=1), 1)
    )
    transitions.accept(rental, contractor)
    transitions.complete(rental, contractor, rental.pickup_code)
    return Handovers(
        contractor,
        member,
        resident,
        requester,
        stranger,
        organisation,
        kera,
        tapiola,
        hand_over(requester, bricks, 40),
        hand_over(requester, desks, 2),
        hand_over(requester, wool, 10),
        hand_over(requester, fitting, 1),
        rental,
    )
