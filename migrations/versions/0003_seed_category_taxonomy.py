"""seed category taxonomy

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00.000000

Material families after Materiaalitori (plus insulation, gypsum board, and asphalt and bitumen),
equipment families for site rental, and their product types. The data is inline and frozen:
application models change later, a migration must keep doing what it did.

Stored units follow `ScaledDecimal`: `default_mass_kg` as kg × 1000 and `emission_factor` as
kg CO2e/kg × 10000, both BIGINT.

Emission factors are ICE v2.0 cradle-to-gate values for the new product a reuse replaces. A type
whose material has no fitting factor in the table keeps NULL: an unknown factor must never read
as zero. Composite products (windows, exterior doors, cabinets, cables, furniture) stay NULL
rather than borrow the factor of one of their materials.

No category for asbestos, PCB or other hazardous items is seeded: `hazardous` stays false here
and exists for categories an operator adds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

categories = sa.table(
    "categories",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("parent_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("name_fi", sa.String),
    sa.column("name_sv", sa.String),
    sa.column("name_en", sa.String),
    sa.column("default_unit", sa.String),
    sa.column("default_mass_kg", sa.BigInteger),
    sa.column("ewc_code", sa.String),
    sa.column("hazardous", sa.Boolean),
    sa.column("emission_factor", sa.BigInteger),
    sa.column("emission_factor_source", sa.String),
    sa.column("position", sa.Integer),
    sa.column("active", sa.Boolean),
)

MASS_SCALE = 1000
FACTOR_SCALE = 10000
# Gaps between positions let an operator slot a category in without renumbering the rest.
POSITION_STEP = 10

ICE = "ICE v2.0 (Hammond & Jones, University of Bath)"


class Factor(NamedTuple):
    value: str
    material: str
    # Why this factor stands in for a product the table does not list by name.
    closest_for: str | None = None

    def source(self) -> str:
        text = f"{ICE}: {self.material} {self.value} kg CO2e/kg"
        return f"{text} (closest match for {self.closest_for})" if self.closest_for else text


CONCRETE = Factor("0.107", "concrete, general")
REINFORCED_CONCRETE = Factor("0.163", "reinforced concrete RC 32/40")
CONCRETE_BLOCK = Factor("0.063", "concrete block (8 MPa)")
STEEL = Factor("1.46", "steel, general (EU average)")
REBAR = Factor("1.40", "steel rebar")
STEEL_SECTIONS = Factor("2.03", "steel sections")
STAINLESS = Factor("6.15", "stainless steel (CO2 only)")
ALUMINIUM = Factor("9.16", "aluminium, general")
COPPER = Factor("2.71", "copper (tube and sheet)")
TIMBER = Factor("0.31", "timber, general")
SAWN_SOFTWOOD = Factor("0.20", "sawn softwood")
GLULAM = Factor("0.42", "glulam")
PLYWOOD = Factor("0.45", "plywood")
OSB = Factor("0.45", "OSB")
BRICK = Factor("0.24", "common brick")
CLAY_ROOF_TILE = Factor("0.48", "clay roof tile")
CERAMIC = Factor("0.78", "ceramic tiles")
GLASS = Factor("0.91", "glass, primary")
MINERAL_WOOL = Factor("1.28", "mineral wool")
EPS = Factor("3.29", "EPS insulation")
PLASTERBOARD = Factor("0.39", "plasterboard")
PVC = Factor("3.10", "PVC")
AGGREGATE = Factor("0.005", "aggregate")
ASPHALT = Factor("0.071", "asphalt")

# EWC chapter 17 codes, non-hazardous entries only.
EWC_CONCRETE = "17 01 01"
EWC_BRICKS = "17 01 02"
EWC_CERAMICS = "17 01 03"
EWC_WOOD = "17 02 01"
EWC_GLASS = "17 02 02"
EWC_PLASTIC = "17 02 03"
EWC_BITUMINOUS = "17 03 02"
EWC_COPPER = "17 04 01"
EWC_ALUMINIUM = "17 04 02"
EWC_STEEL = "17 04 05"
EWC_CABLES = "17 04 11"
EWC_SOIL = "17 05 04"
EWC_INSULATION = "17 06 04"
EWC_GYPSUM = "17 08 02"
EWC_MIXED = "17 09 04"


def material(
    slug: str,
    names: tuple[str, str, str],
    unit: str,
    mass_kg: str | None = None,
    ewc_code: str | None = None,
    factor: Factor | None = None,
) -> dict[str, Any]:
    return _row(slug, "material", names, unit, mass_kg, ewc_code, factor)


def equipment(
    slug: str, names: tuple[str, str, str], unit: str, mass_kg: str | None = None
) -> dict[str, Any]:
    # Equipment is hired and returned, not turned into waste: no EWC code and no factor.
    return _row(slug, "equipment", names, unit, mass_kg, None, None)


def _row(
    slug: str,
    kind: str,
    names: tuple[str, str, str],
    unit: str,
    mass_kg: str | None,
    ewc_code: str | None,
    factor: Factor | None,
) -> dict[str, Any]:
    name_fi, name_sv, name_en = names
    return {
        "slug": slug,
        "kind": kind,
        "name_fi": name_fi,
        "name_sv": name_sv,
        "name_en": name_en,
        "default_unit": unit,
        "default_mass_kg": _scaled(mass_kg, MASS_SCALE),
        "ewc_code": ewc_code,
        "hazardous": False,
        "emission_factor": _scaled(factor.value if factor else None, FACTOR_SCALE),
        "emission_factor_source": factor.source() if factor else None,
        "active": True,
    }


def _scaled(value: str | None, scale: int) -> int | None:
    if value is None:
        return None
    scaled = Decimal(value) * scale
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more places than the column stores")
    return int(scaled)


# Material families sold by weight default to kg (1 kg per unit) or t (1000 kg per unit), so
# that quantity × mass always gives kilograms.
WOOD = (
    material("wood", ("Puu", "Trä", "Wood"), "kg", "1", EWC_WOOD, TIMBER),
    [
        # 50 × 100 mm spruce at about 450 kg/m³: 0.005 m² × 450 ≈ 2.2 kg/m.
        material(
            "sawn-timber",
            ("Sahatavara", "Sågat virke", "Sawn timber"),
            "m",
            "2.2",
            EWC_WOOD,
            SAWN_SOFTWOOD,
        ),
        # 22 × 100 mm boards at about 450 kg/m³.
        material(
            "boards-battens",
            ("Laudat ja rimat", "Bräder och läkt", "Boards and battens"),
            "m",
            "1.0",
            EWC_WOOD,
            SAWN_SOFTWOOD,
        ),
        # 90 × 315 mm beam at about 470 kg/m³.
        material(
            "glulam-beams",
            ("Liimapuupalkit", "Limträbalkar", "Glulam beams"),
            "m",
            "13.3",
            EWC_WOOD,
            GLULAM,
        ),
        # 1220 × 2440 × 12 mm spruce plywood at about 460 kg/m³.
        material(
            "plywood-sheets",
            ("Vanerilevyt", "Plywoodskivor", "Plywood sheets"),
            "pcs",
            "16.4",
            EWC_WOOD,
            PLYWOOD,
        ),
        # 1220 × 2440 × 18 mm birch formwork plywood at about 680 kg/m³.
        material(
            "formwork-plywood",
            ("Filmivanerit", "Filmbelagd plywood", "Film-faced formwork plywood"),
            "pcs",
            "36.4",
            EWC_WOOD,
            PLYWOOD,
        ),
        # 1220 × 2440 × 12 mm at about 620 kg/m³.
        material(
            "osb-boards",
            ("OSB-levyt", "OSB-skivor", "OSB boards"),
            "pcs",
            "22.1",
            EWC_WOOD,
            OSB,
        ),
        # A EUR pallet (1200 × 800 mm) weighs about 25 kg.
        material(
            "wooden-pallets",
            ("Puulavat", "Lastpallar av trä", "Wooden pallets"),
            "pcs",
            "25",
            EWC_WOOD,
            SAWN_SOFTWOOD,
        ),
        # 28 mm pine floorboards at about 500 kg/m³.
        material(
            "floorboards",
            ("Lattialaudat", "Golvbräder", "Floorboards"),
            "m2",
            "14",
            EWC_WOOD,
            SAWN_SOFTWOOD,
        ),
    ],
)

CONCRETE_FAMILY = (
    material("concrete", ("Betoni", "Betong", "Concrete"), "t", "1000", EWC_CONCRETE, CONCRETE),
    [
        # 265 mm slab (P27): about 380 kg/m²; prestressed, so the reinforced-concrete factor.
        material(
            "hollow-core-slabs",
            ("Ontelolaatat", "Håldäcksplattor", "Hollow-core slabs"),
            "m2",
            "380",
            EWC_CONCRETE,
            REINFORCED_CONCRETE._replace(closest_for="prestressed hollow-core slabs"),
        ),
        # A 200 × 200 × 498 mm hollow block weighs about 20 kg.
        material(
            "concrete-blocks",
            ("Betoniharkot", "Betongblock", "Concrete blocks"),
            "pcs",
            "20",
            EWC_CONCRETE,
            CONCRETE_BLOCK,
        ),
        # 50 mm slabs at about 2300 kg/m³.
        material(
            "paving-slabs",
            ("Betonilaatat", "Betongplattor", "Concrete paving slabs"),
            "m2",
            "115",
            EWC_CONCRETE,
            CONCRETE,
        ),
        # 80 mm paving stones at about 2300 kg/m³ less joints.
        material(
            "paving-stones",
            ("Betonikivet", "Betongmarksten", "Concrete paving stones"),
            "m2",
            "180",
            EWC_CONCRETE,
            CONCRETE,
        ),
        # Crushed concrete replaces virgin crushed aggregate, not new concrete.
        material(
            "crushed-concrete",
            ("Betonimurske", "Betongkross", "Crushed concrete"),
            "t",
            "1000",
            EWC_CONCRETE,
            AGGREGATE._replace(closest_for="crushed concrete used as aggregate"),
        ),
    ],
)

BRICKS_CERAMICS = (
    material(
        "bricks-ceramics",
        ("Tiilet ja keramiikka", "Tegel och keramik", "Bricks and ceramics"),
        "kg",
        "1",
        EWC_BRICKS,
        BRICK,
    ),
    [
        material(
            "common-bricks",
            ("Muuraustiilet", "Murtegel", "Common bricks"),
            "pcs",
            "2.3",
            EWC_BRICKS,
            BRICK,
        ),
        # An interlocking clay tile weighs about 3 kg (13–15 tiles per m²).
        material(
            "clay-roof-tiles",
            ("Savikattotiilet", "Takpannor av lertegel", "Clay roof tiles"),
            "pcs",
            "3",
            EWC_CERAMICS,
            CLAY_ROOF_TILE,
        ),
        # About 9 mm tiles at 2000 kg/m³.
        material(
            "ceramic-tiles",
            ("Keraamiset laatat", "Kakel och klinker", "Ceramic wall and floor tiles"),
            "m2",
            "18",
            EWC_CERAMICS,
            CERAMIC,
        ),
        # A floor-standing vitreous china toilet without seat: about 22 kg.
        material(
            "toilets",
            ("WC-istuimet", "WC-stolar", "Toilets"),
            "pcs",
            "22",
            EWC_CERAMICS,
            CERAMIC._replace(closest_for="sanitary ceramics"),
        ),
        # A 55–60 cm vitreous china washbasin: about 12 kg.
        material(
            "washbasins",
            ("Pesualtaat", "Tvättställ", "Washbasins"),
            "pcs",
            "12",
            EWC_CERAMICS,
            CERAMIC._replace(closest_for="sanitary ceramics"),
        ),
    ],
)

METAL = (
    # Steel is by far the commonest metal on site: its code and factor stand for the family.
    material("metal", ("Metalli", "Metall", "Metal"), "kg", "1", EWC_STEEL, STEEL),
    [
        # IPE 200 weighs 22.4 kg/m.
        material(
            "steel-beams",
            ("Teräspalkit ja -profiilit", "Stålbalkar och -profiler", "Steel beams and sections"),
            "m",
            "22.4",
            EWC_STEEL,
            STEEL_SECTIONS,
        ),
        material(
            "rebar",
            ("Harjateräkset", "Armeringsjärn", "Rebar"),
            "kg",
            "1",
            EWC_STEEL,
            REBAR,
        ),
        # 2 mm plate at 7850 kg/m³.
        material(
            "steel-sheets",
            ("Teräslevyt", "Stålplåt", "Steel sheets"),
            "m2",
            "15.7",
            EWC_STEEL,
            STEEL,
        ),
        # 0.5 mm profiled coated steel: 3.9 kg/m² flat plus the profile's extra width.
        material(
            "metal-roofing-sheets",
            ("Kattopellit", "Takplåt", "Metal roofing sheets"),
            "m2",
            "4.5",
            EWC_STEEL,
            STEEL,
        ),
        # 15 × 1.0 mm copper tube weighs about 0.39 kg/m.
        material(
            "copper-pipes",
            ("Kupariputket", "Kopparrör", "Copper pipes"),
            "m",
            "0.39",
            EWC_COPPER,
            COPPER,
        ),
        # A typical window or facade system profile: about 1.5 kg/m.
        material(
            "aluminium-profiles",
            ("Alumiiniprofiilit", "Aluminiumprofiler", "Aluminium profiles"),
            "m",
            "1.5",
            EWC_ALUMINIUM,
            ALUMINIUM,
        ),
        # MMJ 3 × 2.5 mm² installation cable: about 0.15 kg/m. Copper and PVC together have no
        # single factor in the table.
        material(
            "cables",
            ("Sähkökaapelit", "Elkablar", "Electrical cables"),
            "m",
            "0.15",
            EWC_CABLES,
        ),
    ],
)

GLASS_FAMILY = (
    material("glass", ("Lasi", "Glas", "Glass"), "kg", "1", EWC_GLASS, GLASS),
    [
        # 4 mm float glass at 2500 kg/m³.
        material(
            "window-glass",
            ("Ikkunalasit", "Fönsterglas", "Window glass"),
            "m2",
            "10",
            EWC_GLASS,
            GLASS,
        ),
        # Two 4 mm panes with spacer; triple units weigh about 30 kg/m².
        material(
            "insulated-glass-units",
            ("Eristyslasielementit", "Isolerglas", "Insulated glass units"),
            "m2",
            "20",
            EWC_GLASS,
            GLASS,
        ),
        # A 190 × 190 × 80 mm block weighs about 2.5 kg.
        material(
            "glass-blocks",
            ("Lasitiilet", "Glasblock", "Glass blocks"),
            "pcs",
            "2.5",
            EWC_GLASS,
            GLASS,
        ),
    ],
)

PLASTIC = (
    # Site plastics are mostly PE and PP, which the table lacks: no factor for the family.
    material("plastic", ("Muovi", "Plast", "Plastic"), "kg", "1", EWC_PLASTIC),
    [
        # 110 × 3.2 mm sewer pipe at 1400 kg/m³.
        material(
            "pvc-pipes",
            ("PVC-putket", "PVC-rör", "PVC pipes"),
            "m",
            "1.5",
            EWC_PLASTIC,
            PVC,
        ),
        # 0.2 mm PE vapour barrier at 920 kg/m³; PE has no factor in the table.
        material(
            "plastic-sheeting",
            ("Muovikalvot", "Plastfolie", "Plastic sheeting and membranes"),
            "m2",
            "0.18",
            EWC_PLASTIC,
        ),
        # 2 mm homogeneous PVC flooring at about 1500 kg/m³.
        material(
            "vinyl-flooring",
            ("Muovimatot", "Plastmattor", "Vinyl flooring"),
            "m2",
            "3",
            EWC_PLASTIC,
            PVC,
        ),
    ],
)

RUBBER = (
    # Rubber has no code of its own in EWC chapter 17 and no factor in the table.
    material("rubber", ("Kumi", "Gummi", "Rubber"), "kg", "1"),
    [
        # 10 mm recycled-rubber mat at about 1200 kg/m³.
        material("rubber-mats", ("Kumimatot", "Gummimattor", "Rubber mats"), "m2", "12"),
        # 1.2 mm EPDM at about 1150 kg/m³.
        material(
            "epdm-membranes",
            ("EPDM-kumikermit", "EPDM-gummiduk", "EPDM rubber membranes"),
            "m2",
            "1.4",
        ),
    ],
)

SOILS = (
    material(
        "soils-aggregates",
        ("Maa-ainekset", "Jord- och stenmaterial", "Soils and aggregates"),
        "t",
        "1000",
        EWC_SOIL,
        AGGREGATE,
    ),
    [
        material("gravel", ("Sora", "Grus", "Gravel"), "t", "1000", EWC_SOIL, AGGREGATE),
        material(
            "crushed-rock",
            ("Kalliomurske", "Bergkross", "Crushed rock"),
            "t",
            "1000",
            EWC_SOIL,
            AGGREGATE,
        ),
        material("sand", ("Hiekka", "Sand", "Sand"), "t", "1000", EWC_SOIL, AGGREGATE),
        # Loose topsoil weighs about 1300 kg/m³; it is dug, not manufactured: no factor.
        material(
            "topsoil",
            ("Pintamaa ja multa", "Matjord", "Topsoil"),
            "m3",
            "1300",
            EWC_SOIL,
        ),
        material(
            "excavated-soil",
            ("Ylijäämämaat", "Schaktmassor", "Surplus excavated soil"),
            "t",
            "1000",
            EWC_SOIL,
        ),
    ],
)

ASPHALT_BITUMEN = (
    material(
        "asphalt-bitumen",
        ("Asfaltti ja bitumituotteet", "Asfalt och bitumenprodukter", "Asphalt and bitumen"),
        "t",
        "1000",
        EWC_BITUMINOUS,
        ASPHALT,
    ),
    [
        material(
            "crushed-asphalt",
            ("Asfalttirouhe", "Asfaltkross", "Reclaimed asphalt"),
            "t",
            "1000",
            EWC_BITUMINOUS,
            ASPHALT,
        ),
        # SBS-modified bitumen membrane: about 4 kg/m². The asphalt factor describes paving
        # mixes, mostly aggregate, so it does not fit a bitumen membrane.
        material(
            "roofing-felt",
            ("Bitumikermit ja kattohuovat", "Takpapp", "Bitumen roofing felt"),
            "m2",
            "4",
            EWC_BITUMINOUS,
        ),
    ],
)

INSULATION = (
    material(
        "insulation",
        ("Eristeet", "Isoleringsmaterial", "Insulation"),
        "m2",
        "1.5",
        EWC_INSULATION,
        MINERAL_WOOL,
    ),
    [
        # Assumed 50 mm at about 30 kg/m³ (light glass or stone wool): 1.5 kg/m².
        material(
            "mineral-wool",
            ("Mineraalivilla", "Mineralull", "Mineral wool"),
            "m2",
            "1.5",
            EWC_INSULATION,
            MINERAL_WOOL,
        ),
        # 100 mm at about 20 kg/m³.
        material(
            "eps-boards",
            ("EPS-eristelevyt", "EPS-isolerskivor", "EPS insulation boards"),
            "m2",
            "2",
            EWC_INSULATION,
            EPS,
        ),
        # 50 mm at about 33 kg/m³. XPS is polystyrene too; EPS's factor is the nearest in
        # the table and, if anything, understates it.
        material(
            "xps-boards",
            ("XPS-eristelevyt", "XPS-isolerskivor", "XPS insulation boards"),
            "m2",
            "1.65",
            EWC_INSULATION,
            EPS._replace(closest_for="XPS, also polystyrene"),
        ),
        # 100 mm at about 31 kg/m³; polyurethane has no factor in the table.
        material(
            "pir-boards",
            ("PIR-eristelevyt", "PIR-isolerskivor", "PIR insulation boards"),
            "m2",
            "3.1",
            EWC_INSULATION,
        ),
        # Sold loose or in bags, by weight; no factor in the table.
        material(
            "cellulose-insulation",
            ("Selluvilla", "Cellulosaisolering", "Cellulose insulation"),
            "kg",
            "1",
            EWC_INSULATION,
        ),
    ],
)

GYPSUM = (
    # 12.5 mm standard plasterboard weighs about 9 kg/m².
    material(
        "gypsum-board",
        ("Kipsilevyt ja kipsituotteet", "Gipsskivor och gipsprodukter", "Gypsum board"),
        "m2",
        "9",
        EWC_GYPSUM,
        PLASTERBOARD,
    ),
    [
        material(
            "plasterboard",
            ("Kipsilevyt, 12,5 mm", "Gipsskivor, 12,5 mm", "Plasterboard, 12.5 mm"),
            "m2",
            "9",
            EWC_GYPSUM,
            PLASTERBOARD,
        ),
        # 1200 × 2600 mm = 3.12 m² at 9 kg/m².
        material(
            "plasterboard-sheets",
            (
                "Kipsilevyt, kokonaiset levyt 1200 × 2600 mm",
                "Gipsskivor, hela skivor 1200 × 2600 mm",
                "Plasterboard, full sheets 1200 × 2600 mm",
            ),
            "pcs",
            "28.1",
            EWC_GYPSUM,
            PLASTERBOARD,
        ),
    ],
)

BUILDING_COMPONENTS = (
    material(
        "building-components",
        ("Rakennusosat", "Byggnadsdelar", "Building components"),
        "pcs",
    ),
    [
        # A flush interior door leaf, mostly wood-based: about 20 kg.
        material(
            "interior-doors",
            ("Väliovet", "Innerdörrar", "Interior doors"),
            "pcs",
            "20",
            EWC_WOOD,
            TIMBER._replace(closest_for="wood-based interior door leaves"),
        ),
        # An insulated wooden exterior door with frame: about 60 kg of wood, insulation, steel
        # and glass, so a mixed code and no factor.
        material(
            "exterior-doors",
            ("Ulko-ovet", "Ytterdörrar", "Exterior doors"),
            "pcs",
            "60",
            EWC_MIXED,
        ),
        # A wood or wood-aluminium window of about 1.2 m² with frame: about 30 kg.
        material("windows", ("Ikkunat", "Fönster", "Windows"), "pcs", "30", EWC_MIXED),
        # A 60 cm chipboard base unit with doors: about 25 kg.
        material(
            "kitchen-cabinets",
            ("Keittiökaapit", "Köksskåp", "Kitchen cabinets"),
            "pcs",
            "25",
            EWC_WOOD,
        ),
        # A steel panel radiator about 600 × 1200 mm: about 25 kg.
        material(
            "radiators",
            ("Lämpöpatterit", "Värmeelement", "Radiators"),
            "pcs",
            "25",
            EWC_STEEL,
            STEEL,
        ),
        # A single-bowl stainless sink top: about 8 kg.
        material(
            "stainless-steel-sinks",
            ("Rosteriset tiskialtaat", "Diskhoar i rostfritt stål", "Stainless steel sinks"),
            "pcs",
            "8",
            EWC_STEEL,
            STAINLESS,
        ),
        # Steel stair and balcony railings: about 15 kg/m.
        material(
            "steel-railings",
            ("Teräskaiteet", "Stålräcken", "Steel railings"),
            "m",
            "15",
            EWC_STEEL,
            STEEL,
        ),
        # Light fittings are electrical equipment (WEEE), outside EWC chapter 17.
        material(
            "light-fittings",
            ("Valaisimet", "Belysningsarmaturer", "Light fittings"),
            "pcs",
            "3",
        ),
        # 20 mm glass-wool acoustic tiles: about 2 kg/m².
        material(
            "ceiling-tiles",
            ("Alakattolevyt", "Undertaksplattor", "Suspended ceiling tiles"),
            "m2",
            "2",
            EWC_INSULATION,
            MINERAL_WOOL,
        ),
    ],
)

FURNITURE = (
    material(
        "furniture",
        ("Käyttökelpoiset huonekalut", "Användbara möbler", "Usable furniture"),
        "pcs",
    ),
    [
        material("office-desks", ("Työpöydät", "Skrivbord", "Office desks"), "pcs", "40"),
        # An electric sit-stand desk with steel frame: about 45 kg.
        material(
            "sit-stand-desks",
            ("Sähköpöydät", "Höj- och sänkbara skrivbord", "Sit-stand desks"),
            "pcs",
            "45",
        ),
        material("office-chairs", ("Työtuolit", "Kontorsstolar", "Office chairs"), "pcs", "15"),
        material("tables", ("Pöydät", "Bord", "Tables"), "pcs", "30"),
        # A steel shelving unit about 900 × 2000 mm: about 30 kg.
        material("shelving", ("Hyllyt", "Hyllor", "Shelving"), "pcs", "30"),
        # A steel office cabinet or locker: about 40 kg.
        material(
            "cabinets-lockers",
            ("Kaapit ja pukukaapit", "Skåp och klädskåp", "Cabinets and lockers"),
            "pcs",
            "40",
        ),
        # Shop fittings vary from a small counter to a whole wall: no default mass.
        material(
            "shop-fittings",
            ("Myymäläkalusteet", "Butiksinredning", "Shop fittings and display units"),
            "pcs",
        ),
    ],
)

TEXTILES = (
    # Textiles have no EWC chapter 17 code and no factor in the table.
    material("textiles", ("Tekstiilit", "Textilier", "Textiles"), "kg", "1"),
    [
        # Bitumen- or PVC-backed carpet tiles: about 4.5 kg/m².
        material(
            "carpet-tiles",
            ("Tekstiililaatat", "Textilplattor", "Carpet tiles"),
            "m2",
            "4.5",
        ),
        # Tufted carpet: about 2.5 kg/m².
        material(
            "carpets",
            ("Matot ja kokolattiamatot", "Mattor och heltäckningsmattor", "Carpets and rugs"),
            "m2",
            "2.5",
        ),
        # Furnishing fabric: about 300 g/m².
        material("curtains", ("Verhot", "Gardiner", "Curtains"), "m2", "0.3"),
    ],
)

SCAFFOLDING = (
    equipment("scaffolding", ("Telineet", "Ställningar", "Scaffolding"), "set"),
    [
        # A set is sized per hire, so no default mass.
        equipment(
            "facade-scaffolding",
            ("Julkisivutelineet", "Fasadställningar", "Facade scaffolding"),
            "set",
        ),
        # An aluminium tower for about 6 m working height: about 180 kg.
        equipment(
            "mobile-scaffold-towers",
            ("Siirrettävät telineet", "Rullställningar", "Mobile scaffold towers"),
            "set",
            "180",
        ),
        equipment(
            "trestles",
            ("Pukit ja työtasot", "Bockar och arbetsplattformar", "Trestles and work platforms"),
            "pcs",
            "10",
        ),
    ],
)

LIFTING = (
    equipment(
        "lifting",
        ("Nostimet ja siirtolaitteet", "Lyft- och flyttutrustning", "Lifting and handling"),
        "pcs",
    ),
    [
        # An electric slab scissor lift with about 8 m platform height: about 1900 kg.
        equipment("scissor-lifts", ("Saksinostimet", "Saxliftar", "Scissor lifts"), "pcs", "1900"),
        # Boom lifts range from 4 t to over 20 t: no default mass.
        equipment("boom-lifts", ("Puominostimet", "Bomliftar", "Boom lifts"), "pcs"),
        # A 1 t manual chain hoist with 3 m of chain.
        equipment("chain-hoists", ("Ketjutaljat", "Kättingtaljor", "Chain hoists"), "pcs", "12"),
        equipment("pallet-jacks", ("Haarukkavaunut", "Pallyftare", "Pallet jacks"), "pcs", "70"),
    ],
)

POWER_HEATING = (
    equipment(
        "power-heating",
        ("Sähkö ja lämmitys", "El och uppvärmning", "Power and heating"),
        "pcs",
    ),
    [
        # Generators range from 2 kVA to 200 kVA: no default mass.
        equipment("generators", ("Aggregaatit", "Elverk", "Generators"), "pcs"),
        # The common hire unit is a 9 kW electric fan heater: about 15 kg.
        equipment(
            "construction-heaters",
            ("Lämmittimet ja lämpöpuhaltimet", "Byggvärmare och värmefläktar", "Site heaters"),
            "pcs",
            "15",
        ),
        # An adsorption dehumidifier for building drying: about 30 kg.
        equipment(
            "dehumidifiers",
            ("Ilmankuivaimet", "Avfuktare", "Dehumidifiers"),
            "pcs",
            "30",
        ),
        # A 63 A site distribution board on legs: about 60 kg.
        equipment(
            "distribution-boards",
            ("Työmaakeskukset", "Byggcentraler", "Site distribution boards"),
            "pcs",
            "60",
        ),
    ],
)

SITE_HUTS = (
    equipment(
        "site-huts",
        ("Työmaakopit ja kontit", "Bodar och containrar", "Site huts and containers"),
        "pcs",
    ),
    [
        # A 6 × 2.4 m site hut module: about 3 t.
        equipment(
            "office-huts",
            (
                "Toimisto- ja sosiaalikopit",
                "Kontors- och personalbodar",
                "Site offices and welfare huts",
            ),
            "pcs",
            "3000",
        ),
        # A 20 ft ISO container's tare weight: about 2200 kg.
        equipment(
            "storage-containers",
            ("Varastokontit", "Förrådscontainrar", "Storage containers"),
            "pcs",
            "2200",
        ),
        # From a single cabin to a multi-toilet container: no default mass.
        equipment("toilet-containers", ("WC-kopit", "WC-bodar", "Toilet containers"), "pcs"),
    ],
)

TOOLS = (
    equipment(
        "tools",
        ("Työkalut ja koneet", "Verktyg och maskiner", "Tools and machines"),
        "pcs",
    ),
    [
        # A 140 l electric drum mixer.
        equipment(
            "concrete-mixers",
            ("Betonimyllyt", "Betongblandare", "Concrete mixers"),
            "pcs",
            "55",
        ),
        # A forward plate compactor of about 90 kg.
        equipment(
            "plate-compactors",
            ("Tärylevyt", "Vibratorplattor", "Plate compactors"),
            "pcs",
            "90",
        ),
        # A 12 kg class electric breaker.
        equipment(
            "demolition-hammers",
            ("Piikkausvasarat", "Bilningshammare", "Demolition hammers"),
            "pcs",
            "12",
        ),
        # Diamond core drill motor with stand.
        equipment("core-drills", ("Timanttiporat", "Kärnborrar", "Core drills"), "pcs", "25"),
        # A rotating laser in its case, without tripod.
        equipment(
            "laser-levels",
            ("Rakennuslaserit", "Byggnadslaser", "Laser levels"),
            "pcs",
            "3",
        ),
        # A manual 900 mm tile cutter.
        equipment(
            "tile-cutters",
            ("Laattaleikkurit", "Kakelskärare", "Tile cutters"),
            "pcs",
            "15",
        ),
        # A negative pressure unit with HEPA filter for renovation dust control.
        equipment(
            "negative-pressure-units",
            ("Alipaineistajat", "Undertrycksaggregat", "Negative pressure units"),
            "pcs",
            "35",
        ),
    ],
)

FENCING = (
    equipment(
        "fencing",
        (
            "Työmaa-aidat ja sulut",
            "Byggstängsel och avspärrningar",
            "Temporary fencing and barriers",
        ),
        "pcs",
    ),
    [
        # A 3.5 × 2 m mesh panel: about 20 kg.
        equipment(
            "fence-panels",
            ("Työmaa-aitaelementit", "Byggstängselelement", "Temporary fence panels"),
            "pcs",
            "20",
        ),
        # A concrete-filled plastic foot: about 30 kg.
        equipment("fence-feet", ("Aitajalat", "Stängselfötter", "Fence feet"), "pcs", "30"),
        # A 2.3 m steel crowd barrier: about 16 kg.
        equipment(
            "crowd-barriers",
            ("Sulkuaidat", "Kravallstaket", "Crowd barriers"),
            "pcs",
            "16",
        ),
    ],
)

# Families in display order: materials first, then equipment.
TAXONOMY: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    WOOD,
    CONCRETE_FAMILY,
    BRICKS_CERAMICS,
    METAL,
    GLASS_FAMILY,
    PLASTIC,
    RUBBER,
    SOILS,
    ASPHALT_BITUMEN,
    INSULATION,
    GYPSUM,
    BUILDING_COMPONENTS,
    FURNITURE,
    TEXTILES,
    SCAFFOLDING,
    LIFTING,
    POWER_HEATING,
    SITE_HUTS,
    TOOLS,
    FENCING,
]


def _positioned(rows: list[dict[str, Any]], parent_id: int | None) -> list[dict[str, Any]]:
    return [
        {**row, "parent_id": parent_id, "position": POSITION_STEP * number}
        for number, row in enumerate(rows, start=1)
    ]


def _family_ids(slugs: list[str]) -> dict[str, int]:
    query = sa.select(categories.c.slug, categories.c.id).where(
        categories.c.parent_id.is_(None), categories.c.slug.in_(slugs)
    )
    return {row.slug: row.id for row in op.get_bind().execute(query)}


def upgrade() -> None:
    families = [family for family, _types in TAXONOMY]
    op.bulk_insert(categories, _positioned(families, None))
    ids = _family_ids([family["slug"] for family in families])
    types: list[dict[str, Any]] = []
    for family, family_types in TAXONOMY:
        types.extend(_positioned(family_types, ids[family["slug"]]))
    op.bulk_insert(categories, types)


def downgrade() -> None:
    # Product types first: they reference their families. Categories that operators added
    # stay, and a listing still using a seeded category makes this fail rather than lose data.
    type_slugs = [row["slug"] for _family, rows in TAXONOMY for row in rows]
    family_slugs = [family["slug"] for family, _rows in TAXONOMY]
    for slugs in (type_slugs, family_slugs):
        op.execute(categories.delete().where(categories.c.slug.in_(slugs)))
