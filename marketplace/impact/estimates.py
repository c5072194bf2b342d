"""How much a reuse avoids: mass handed over times the emission factor of the new product it
replaces (cradle to gate), with the factor's source kept beside every figure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marketplace.models import Category


@dataclass(frozen=True)
class ImpactEstimate:
    mass_kg: Decimal | None
    co2e_kg: Decimal | None
    factor: Decimal | None
    factor_source: str | None

    @property
    def known(self) -> bool:
        return self.co2e_kg is not None


def estimate(
    quantity: Decimal, mass_per_unit_kg: Decimal | None, category: Category
) -> ImpactEstimate:
    """Unknown stays unknown: a missing mass or factor gives None, never zero."""
    mass = (
        None
        if mass_per_unit_kg is None
        else (quantity * mass_per_unit_kg).quantize(Decimal("0.001"))
    )
    factor = category.emission_factor
    co2e = None if mass is None or factor is None else (mass * factor).quantize(Decimal("0.1"))
    return ImpactEstimate(mass, co2e, factor, category.emission_factor_source)
