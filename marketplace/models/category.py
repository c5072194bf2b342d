from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.database import ScaledDecimal, intpk
from marketplace.models.base import Model


class CategoryKind(StrEnum):
    MATERIAL = "material"
    EQUIPMENT = "equipment"


class Unit(StrEnum):
    PCS = "pcs"
    M = "m"
    M2 = "m2"
    M3 = "m3"
    KG = "kg"
    T = "t"
    SET = "set"

    @property
    def whole_only(self) -> bool:
        """Pieces and sets are counted; lengths, areas, volumes and weights can be split."""
        return self in (Unit.PCS, Unit.SET)


class Category(Model):
    """Two levels: a family (no parent) and its product types. Seeded by a data migration;
    operators add more with `flask categories import`."""

    __tablename__ = "categories"
    __table_args__ = (
        sa.CheckConstraint("default_mass_kg IS NULL OR default_mass_kg >= 0", name="mass"),
        sa.CheckConstraint("emission_factor IS NULL OR emission_factor >= 0", name="factor"),
    )

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    kind: Mapped[CategoryKind]
    name_fi: Mapped[str] = mapped_column(sa.String(120))
    name_sv: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    default_unit: Mapped[Unit]
    # Mass of one default unit in kg, so that quantity × mass gives the kilograms reused.
    default_mass_kg: Mapped[Decimal | None]
    # European Waste Catalogue code, written with spaces ("17 01 02").
    ewc_code: Mapped[str | None] = mapped_column(sa.String(9))
    hazardous: Mapped[bool] = mapped_column(default=False)
    # kg CO2e per kg of the new product a reuse replaces (cradle to gate).
    emission_factor: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4))
    emission_factor_source: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Category | None] = relationship(
        remote_side="Category.id", back_populates="children"
    )
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )

    def name(self, language: str) -> str:
        return {"fi": self.name_fi, "sv": self.name_sv}.get(language, self.name_en)

    @property
    def family(self) -> Category:
        return self.parent or self

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"
