"""What the marketplace kept in use: figures from completed handovers' impact snapshots.

Every figure comes from the snapshot a reservation stored when it was handed over (mass, CO2e,
factor and source as they were then), never from today's categories, so a figure once shown
stays traceable. Unknown stays unknown: kilograms and CO2e are summed over the handovers whose
figure is known, and the handovers whose mass or factor is unknown are counted beside them.
Equipment rentals are counted apart: no CO2e is claimed for them.

Grouping by family, organisation, site and postal area happens in the database (GROUP BY).
Months are Finnish calendar months, which neither SQLite nor a portable SQL expression can
tell from a UTC timestamp, so monthly series bucket a narrow query (time, mass, CO2e) in Python;
`bench/impact.py` measures it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from marketplace.core.clock import HELSINKI, today_in_finland
from marketplace.extensions import db
from marketplace.models import (
    Category,
    Listing,
    ListingKind,
    Organisation,
    Reservation,
    ReservationStatus,
    Site,
)
from marketplace.search.geo import POSTAL_CODES

ZERO = Decimal(0)


@dataclass(frozen=True)
class Figures:
    """Material handovers and what they kept in use; rentals are counted apart."""

    handovers: int = 0
    mass_kg: Decimal = ZERO
    co2e_kg: Decimal = ZERO
    # Handovers whose mass is unknown: neither kg nor CO2e can be counted for them.
    mass_unknown: int = 0
    # Handovers whose mass is known but whose category has no emission factor.
    factor_unknown: int = 0
    # The kilograms of those handovers: reused, but with no CO2e claimed.
    mass_without_factor_kg: Decimal = ZERO
    rentals: int = 0

    @property
    def co2e_unknown(self) -> int:
        return self.mass_unknown + self.factor_unknown

    @property
    def co2e_known(self) -> int:
        return self.handovers - self.co2e_unknown

    @property
    def mass_known(self) -> int:
        return self.handovers - self.mass_unknown

    @property
    def known_mass_kg(self) -> Decimal | None:
        """The sum, or None when no handover's mass is known: nothing known is not zero."""
        return self.mass_kg if self.mass_known else None

    @property
    def known_co2e_kg(self) -> Decimal | None:
        return self.co2e_kg if self.co2e_known else None

    @property
    def any(self) -> bool:
        return bool(self.handovers or self.rentals)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            handovers=self.handovers + other.handovers,
            mass_kg=self.mass_kg + other.mass_kg,
            co2e_kg=self.co2e_kg + other.co2e_kg,
            mass_unknown=self.mass_unknown + other.mass_unknown,
            factor_unknown=self.factor_unknown + other.factor_unknown,
            mass_without_factor_kg=self.mass_without_factor_kg + other.mass_without_factor_kg,
            rentals=self.rentals + other.rentals,
        )


@dataclass(frozen=True)
class Scope:
    """Which handovers count: all, or one organisation's or one site's, within a period
    (`start` inclusive, `end` exclusive, both UTC instants)."""

    organisation_id: int | None = None
    site_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Group:
    key: Any
    label: str
    figures: Figures
    # The Swedish name, where a place has one (Espoo is officially bilingual).
    label_sv: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def name(self, language: str) -> str:
        return self.label_sv if language == "sv" and self.label_sv else self.label


@dataclass(frozen=True)
class Month:
    first_day: date
    figures: Figures


def helsinki_start(day: date) -> datetime:
    """The UTC instant a Finnish calendar day begins."""
    return datetime.combine(day, time(0), HELSINKI).astimezone(UTC)


def _material_handovers() -> sa.Select[Any]:
    return (
        sa.select()
        .select_from(Reservation)
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            Reservation.status == ReservationStatus.COMPLETED,
            Listing.kind == ListingKind.MATERIAL,
        )
    )


def _scoped(query: sa.Select[Any], scope: Scope) -> sa.Select[Any]:
    if scope.organisation_id is not None:
        query = query.where(Listing.organisation_id == scope.organisation_id)
    if scope.site_id is not None:
        query = query.where(Listing.site_id == scope.site_id)
    if scope.start is not None:
        query = query.where(Reservation.completed_at >= scope.start)
    if scope.end is not None:
        query = query.where(Reservation.completed_at < scope.end)
    return query


def _measures() -> tuple[sa.ColumnElement[Any], ...]:
    mass_known = Reservation.mass_kg.is_not(None)
    without_factor = sa.and_(mass_known, Reservation.co2e_kg.is_(None))
    return (
        sa.func.count(Reservation.id).label("handovers"),
        sa.func.sum(Reservation.mass_kg).label("mass_kg"),
        sa.func.sum(Reservation.co2e_kg).label("co2e_kg"),
        sa.func.sum(sa.case((mass_known, 0), else_=1)).label("mass_unknown"),
        sa.func.sum(sa.case((without_factor, 1), else_=0)).label("factor_unknown"),
        sa.func.sum(sa.case((without_factor, Reservation.mass_kg), else_=sa.null())).label(
            "mass_without_factor_kg"
        ),
    )


def _figures(row: Any, rentals: int = 0) -> Figures:
    return Figures(
        handovers=int(row.handovers or 0),
        mass_kg=row.mass_kg or ZERO,
        co2e_kg=row.co2e_kg or ZERO,
        mass_unknown=int(row.mass_unknown or 0),
        factor_unknown=int(row.factor_unknown or 0),
        mass_without_factor_kg=row.mass_without_factor_kg or ZERO,
        rentals=rentals,
    )


def rentals(scope: Scope) -> int:
    query = (
        sa.select(sa.func.count(Reservation.id))
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            Reservation.status == ReservationStatus.COMPLETED,
            Listing.kind == ListingKind.EQUIPMENT,
        )
    )
    return int(db.session.scalar(_scoped(query, scope)) or 0)


def totals(scope: Scope | None = None) -> Figures:
    scope = scope or Scope()
    row = db.session.execute(_scoped(_material_handovers().add_columns(*_measures()), scope)).one()
    return _figures(row, rentals(scope))


def _grouped(scope: Scope, *keys: sa.orm.QueryableAttribute[Any]) -> list[Any]:
    query = _scoped(_material_handovers().add_columns(*keys, *_measures()), scope)
    return list(db.session.execute(query.group_by(*keys)))


def _by_mass(groups: Iterable[Group]) -> list[Group]:
    return sorted(groups, key=lambda g: (-g.figures.mass_kg, -g.figures.handovers, g.label))


def by_family(scope: Scope | None = None, language: str = "fi") -> list[Group]:
    """Per material family (the category's parent, or the category itself at the top)."""
    family_id = sa.func.coalesce(Category.parent_id, Category.id).label("family_id")
    query = _scoped(
        _material_handovers()
        .join(Category, Listing.category_id == Category.id)
        .add_columns(family_id, *_measures()),
        scope or Scope(),
    ).group_by(family_id)
    rows = list(db.session.execute(query))
    families = _categories(row.family_id for row in rows)
    return _by_mass(
        Group(
            row.family_id,
            families[row.family_id].name(language),
            _figures(row),
            extra={"slug": families[row.family_id].slug},
        )
        for row in rows
    )


def _categories(ids: Iterable[int]) -> dict[int, Category]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in db.session.scalars(sa.select(Category).where(Category.id.in_(wanted)))}


def place_names(postal_code: str, fallback: str) -> tuple[str, str | None]:
    """A postal area's Finnish and Swedish names, as the domain reference gives them."""
    place = POSTAL_CODES.get(postal_code)
    if place is None:
        return f"{postal_code} {fallback}", None
    return f"{postal_code} {place.name}", f"{postal_code} {place.name_sv}"


def by_postal_area(scope: Scope | None = None, limit: int | None = None) -> list[Group]:
    """Per postal area of the pickup place."""
    scope = scope or Scope()
    query = _scoped(
        _material_handovers()
        .join(Site, Listing.site_id == Site.id)
        .add_columns(Site.postal_code, sa.func.min(Site.city).label("city"), *_measures()),
        scope,
    ).group_by(Site.postal_code)
    groups = []
    for row in db.session.execute(query):
        name, name_sv = place_names(row.postal_code, row.city)
        groups.append(Group(row.postal_code, name, _figures(row), label_sv=name_sv))
    ordered = _by_mass(groups)
    return ordered[:limit] if limit else ordered


def by_organisation(scope: Scope | None = None) -> list[Group]:
    """Per listing organisation; key None gathers residents and other private listers."""
    rows = _grouped(scope or Scope(), Listing.organisation_id)
    query = sa.select(Organisation.id, Organisation.name).where(
        Organisation.id.in_([row.organisation_id for row in rows if row.organisation_id])
    )
    names = {row.id: row.name for row in db.session.execute(query)}
    return _by_mass(
        Group(row.organisation_id, names.get(row.organisation_id, ""), _figures(row))
        for row in rows
    )


def by_site(scope: Scope) -> list[Group]:
    """Per pickup place, with every site of the organisation listed, handovers or not."""
    rows = {row.site_id: row for row in _grouped(scope, Listing.site_id)}
    sites: Sequence[Site] = []
    if scope.organisation_id is not None:
        sites = db.session.scalars(
            sa.select(Site).where(Site.organisation_id == scope.organisation_id).order_by(Site.name)
        ).all()
    found = {site.id: site for site in sites}
    missing = set(rows) - set(found)
    if missing:  # a listing moved to another organisation's site keeps its history here
        query = sa.select(Site).where(Site.id.in_(missing))
        found.update({site.id: site for site in db.session.scalars(query)})
    return _by_mass(
        Group(
            site.id,
            site.name,
            _figures(rows[site.id]) if site.id in rows else Figures(),
            extra={"site": site},
        )
        for site in found.values()
    )


def month_starts(months: int, today: date | None = None) -> list[date]:
    """The first days of the last `months` Finnish calendar months, oldest first."""
    today = today or today_in_finland()
    year, month = today.year, today.month
    firsts = []
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return firsts[::-1]


def _month_of(moment: datetime) -> date:
    local = moment.astimezone(HELSINKI)
    return date(local.year, local.month, 1)


def _add_row(figures: Figures, mass: Decimal | None, co2e: Decimal | None) -> Figures:
    without_factor = mass is not None and co2e is None
    return figures + Figures(
        handovers=1,
        mass_kg=mass or ZERO,
        co2e_kg=co2e or ZERO,
        mass_unknown=int(mass is None),
        factor_unknown=int(without_factor),
        mass_without_factor_kg=(mass or ZERO) if without_factor else ZERO,
    )


def by_month(
    scope: Scope | None = None, months: int = 12, today: date | None = None
) -> list[Month]:
    """The last `months` months, oldest first, months without handovers included."""
    firsts = month_starts(months, today)
    scope = scope or Scope()
    start = helsinki_start(firsts[0])
    if scope.start is None or scope.start < start:
        scope = Scope(scope.organisation_id, scope.site_id, start, scope.end)
    query = _scoped(
        _material_handovers().add_columns(
            Reservation.completed_at, Reservation.mass_kg, Reservation.co2e_kg
        ),
        scope,
    )
    buckets = {first: Figures() for first in firsts}
    for completed_at, mass, co2e in db.session.execute(query):
        month = _month_of(completed_at)
        if month in buckets:
            buckets[month] = _add_row(buckets[month], mass, co2e)
    return [Month(first, buckets[first]) for first in firsts]


@dataclass(frozen=True)
class Handover:
    """One completed reservation as a waste report needs it."""

    reservation: Reservation
    listing: Listing
    category: Category
    site: Site

    @property
    def family(self) -> Category:
        return self.category.family

    @property
    def ewc_code(self) -> str | None:
        return self.category.ewc_code or self.family.ewc_code

    @property
    def hazardous(self) -> bool:
        return bool(self.listing.is_hazardous)


def handovers(scope: Scope, limit: int | None = None) -> list[Handover]:
    """Completed material handovers in the scope, newest first."""
    query = _scoped(
        sa.select(Reservation)
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            Reservation.status == ReservationStatus.COMPLETED,
            Listing.kind == ListingKind.MATERIAL,
        ),
        scope,
    ).options(
        joinedload(Reservation.listing).joinedload(Listing.site),
        joinedload(Reservation.listing).joinedload(Listing.category).joinedload(Category.parent),
    )
    query = query.order_by(Reservation.completed_at.desc(), Reservation.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        Handover(r, r.listing, r.listing.category, r.listing.site)
        for r in db.session.scalars(query).unique()
    ]


@dataclass(frozen=True)
class Cell:
    """One month, material family and postal area: the open-data grain."""

    month: date
    family: Category
    postal_code: str
    figures: Figures


def monthly_cells() -> list[Cell]:
    """Every month × family × postal area with handovers, oldest first."""
    family = aliased(Category)
    family_id = sa.func.coalesce(Category.parent_id, Category.id)
    query = (
        _material_handovers()
        .join(Category, Listing.category_id == Category.id)
        .join(family, family.id == family_id)
        .join(Site, Listing.site_id == Site.id)
        .add_columns(
            Reservation.completed_at,
            family.id.label("family_id"),
            Site.postal_code,
            Reservation.mass_kg,
            Reservation.co2e_kg,
        )
    )
    cells: dict[tuple[date, int, str], Figures] = {}
    for completed_at, fam, postal_code, mass, co2e in db.session.execute(query):
        key = (_month_of(completed_at), fam, postal_code)
        cells[key] = _add_row(cells.get(key, Figures()), mass, co2e)
    families = _categories(key[1] for key in cells)
    return [
        Cell(month, families[fam], postal_code, figures)
        for (month, fam, postal_code), figures in sorted(
            cells.items(), key=lambda item: (item[0][0], families[item[0][1]].slug, item[0][2])
        )
    ]


def sources(scope: Scope | None = None) -> list[tuple[str, int]]:
    """The factor sources the scope's figures used, with how many handovers used each."""
    source = Reservation.emission_factor_source
    query = _scoped(
        _material_handovers().add_columns(source, sa.func.count(Reservation.id)), scope or Scope()
    ).where(Reservation.co2e_kg.is_not(None), source.is_not(None))
    rows = db.session.execute(query.group_by(source).order_by(sa.func.count(Reservation.id).desc()))
    return [(str(name), int(count)) for name, count in rows]


def period(first_day: date, last_day: date) -> Scope:
    """Handovers on Finnish calendar days `first_day` to `last_day`, both included."""
    return Scope(start=helsinki_start(first_day), end=helsinki_start(last_day + timedelta(days=1)))
