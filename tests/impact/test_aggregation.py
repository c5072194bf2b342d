"""Impact figures against sums worked out by hand (see conftest for the handovers).

bricks 40 × 2.3 kg = 92 kg × 0.24 = 22.08 → 22.1 kg CO2e (Kera 02650, organisation)
desks   2 × 45 kg  = 90 kg, no factor: CO2e unknown     (Kera 02650, organisation)
wool   10 × 1.5 kg = 15 kg × 1.28 = 19.2 kg CO2e        (Tapiola 02100, resident)
fitting 1 × ? kg: mass and CO2e unknown                  (Tapiola 02100, resident)
scaffolding rental: counted apart, no CO2e
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask

from marketplace.impact import services
from marketplace.impact.services import Figures, Scope
from tests.impact.conftest import Handovers, completed_at


def test_snapshots_are_as_worked_out_by_hand(handovers: Handovers) -> None:
    assert (handovers.bricks.mass_kg, handovers.bricks.co2e_kg) == (Decimal(92), Decimal("22.1"))
    assert (handovers.desks.mass_kg, handovers.desks.co2e_kg) == (Decimal(90), None)
    assert (handovers.wool.mass_kg, handovers.wool.co2e_kg) == (Decimal(15), Decimal("19.2"))
    assert (handovers.fitting.mass_kg, handovers.fitting.co2e_kg) == (None, None)
    assert handovers.rental.co2e_kg is None


def test_totals_count_unknowns_beside_the_sums(handovers: Handovers) -> None:
    assert services.totals() == Figures(
        handovers=4,
        mass_kg=Decimal(197),
        co2e_kg=Decimal("41.3"),
        mass_unknown=1,
        factor_unknown=1,
        mass_without_factor_kg=Decimal(90),
        rentals=1,
    )
    totals = services.totals()
    assert totals.co2e_unknown == 2 and totals.co2e_known == 2 and totals.mass_known == 3


def test_a_category_without_a_factor_is_unknown_not_zero(handovers: Handovers) -> None:
    furniture = next(g for g in services.by_family(language="en") if g.extra["slug"] == "furniture")
    figures = furniture.figures
    assert (figures.handovers, figures.mass_known, figures.co2e_known) == (2, 1, 0)
    assert figures.known_co2e_kg is None  # not 0
    assert figures.known_mass_kg == Decimal(90)
    assert (figures.mass_unknown, figures.factor_unknown) == (1, 1)


def test_by_family(handovers: Handovers) -> None:
    families = {g.extra["slug"]: g.figures for g in services.by_family(language="fi")}
    assert set(families) == {"bricks-ceramics", "furniture", "insulation"}
    assert (families["bricks-ceramics"].mass_kg, families["bricks-ceramics"].co2e_kg) == (
        Decimal(92),
        Decimal("22.1"),
    )
    assert (families["insulation"].mass_kg, families["insulation"].co2e_kg) == (
        Decimal(15),
        Decimal("19.2"),
    )
    # Most kilograms first.
    assert next(g.extra["slug"] for g in services.by_family()) == "bricks-ceramics"


def test_by_postal_area_with_swedish_names(handovers: Handovers) -> None:
    areas = {g.key: g for g in services.by_postal_area()}
    kera, tapiola = areas["02650"].figures, areas["02100"].figures
    assert (kera.handovers, kera.mass_kg, kera.co2e_kg, kera.factor_unknown) == (
        2,
        Decimal(182),
        Decimal("22.1"),
        1,
    )
    assert (tapiola.handovers, tapiola.mass_kg, tapiola.co2e_kg, tapiola.mass_unknown) == (
        2,
        Decimal(15),
        Decimal("19.2"),
        1,
    )
    assert areas["02100"].name("fi") == "02100 Tapiola"
    assert areas["02100"].name("sv") == "02100 Hagalund"
    assert [g.key for g in services.by_postal_area(limit=1)] == ["02650"]


def test_by_organisation_and_site(handovers: Handovers) -> None:
    organisations = {g.key: g.figures for g in services.by_organisation()}
    assert organisations[handovers.organisation.id].mass_kg == Decimal(182)
    assert organisations[None].mass_kg == Decimal(15)  # residents together
    scope = Scope(organisation_id=handovers.organisation.id)
    assert services.totals(scope) == Figures(
        handovers=2,
        mass_kg=Decimal(182),
        co2e_kg=Decimal("22.1"),
        factor_unknown=1,
        mass_without_factor_kg=Decimal(90),
        rentals=1,
    )
    sites = services.by_site(scope)
    assert [(g.key, g.figures.handovers) for g in sites] == [(handovers.kera.id, 2)]
    assert services.totals(Scope(site_id=handovers.tapiola.id)).co2e_kg == Decimal("19.2")


def test_months_are_finnish_calendar_months(handovers: Handovers, app: Flask) -> None:
    # 22:30 UTC on 31 October is 00:30 on 1 November in Helsinki.
    completed_at(handovers.bricks, datetime(2026, 10, 31, 22, 30, tzinfo=UTC))
    completed_at(handovers.wool, datetime(2026, 10, 31, 21, 30, tzinfo=UTC))
    completed_at(handovers.desks, datetime(2026, 9, 1, 9, 0, tzinfo=UTC))
    completed_at(handovers.fitting, datetime(2025, 1, 1, 9, 0, tzinfo=UTC))  # out of range
    months = services.by_month(months=3, today=date(2026, 11, 15))
    assert [m.first_day for m in months] == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    september, october, november = (m.figures for m in months)
    assert (september.handovers, september.mass_kg, september.known_co2e_kg) == (
        1,
        Decimal(90),
        None,
    )
    assert (october.handovers, october.co2e_kg) == (1, Decimal("19.2"))
    assert (november.handovers, november.co2e_kg) == (1, Decimal("22.1"))


def test_a_period_is_whole_finnish_days(handovers: Handovers) -> None:
    completed_at(handovers.bricks, datetime(2026, 10, 31, 22, 30, tzinfo=UTC))
    october = services.period(date(2026, 10, 1), date(2026, 10, 31))
    november = services.period(date(2026, 11, 1), date(2026, 11, 30))
    assert handovers.bricks.id not in [h.reservation.id for h in services.handovers(october)]
    assert handovers.bricks.id in [h.reservation.id for h in services.handovers(november)]


def test_monthly_cells_for_open_data(handovers: Handovers) -> None:
    cells = {(c.family.slug, c.postal_code): c.figures for c in services.monthly_cells()}
    assert cells[("bricks-ceramics", "02650")].co2e_kg == Decimal("22.1")
    assert cells[("furniture", "02100")].mass_unknown == 1
    assert sum(f.handovers for f in cells.values()) == 4


def test_sources_are_named_with_their_use(handovers: Handovers) -> None:
    used = dict(services.sources())
    assert sum(used.values()) == 2
    assert all(source.startswith("ICE v2.0") for source in used)


def test_nothing_handed_over_is_all_zero(app: Flask) -> None:
    totals = services.totals()
    assert totals == Figures() and totals.known_co2e_kg is None
    assert services.by_family() == [] and services.by_postal_area() == []
    assert all(m.figures == Figures() for m in services.by_month(months=12))
