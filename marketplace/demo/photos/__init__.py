"""Illustrated product photos for the demo listings, drawn with Pillow.

Real photos cannot ship with the code, and a marketplace without pictures demos badly. Every
category slug maps to a painter for its drawing family (bricks on a pallet, a timber stack, a
scissor lift…); slugs added later by operators fall back to a pallet of wrapped goods tinted by a
colour derived from the slug. The same (slug, seed) always gives the same JPEG.

Painters work in a 1200 × 900 logical space with an oblique projection: depth runs up and to the
right, so a box shows its front, its top and its right-hand side.
"""

from __future__ import annotations

import io
import random
from functools import cache

from PIL import Image, ImageChops, ImageDraw

from marketplace.demo.photos.components import (
    _cabinets,
    _desks,
    _doors,
    _lamps,
    _radiators,
    _shelving,
    _sinks,
    _windows,
)
from marketplace.demo.photos.drawing import HEIGHT, JPEG_QUALITY, SCALE, WIDTH, Canvas, Painter
from marketplace.demo.photos.equipment import (
    _boom_lift,
    _containers,
    _fencing,
    _mixer,
    _scaffolding,
    _scissor_lift,
    _site_unit,
    _tools,
    _wrapped_goods,
)
from marketplace.demo.photos.materials import (
    _bars,
    _beams,
    _cable_drum,
    _glass,
    _heap,
    _pallets,
    _rolls,
    _sheets,
    _slabs,
    _tiles,
    _timber,
    _unit_stack,
)

# --- dispatch --------------------------------------------------------------------------------

# Each painter with the slugs it draws, space-separated so that the table stays readable.
FAMILIES: tuple[tuple[Painter, str], ...] = (
    (_unit_stack, "bricks-ceramics common-bricks clay-roof-tiles concrete-blocks paving-stones"),
    (_timber, "wood sawn-timber boards-battens glulam-beams floorboards"),
    (_pallets, "wooden-pallets"),
    (
        _sheets,
        "plywood-sheets formwork-plywood osb-boards gypsum-board plasterboard plasterboard-sheets "
        "steel-sheets metal-roofing-sheets eps-boards xps-boards pir-boards ceiling-tiles",
    ),
    (_tiles, "ceramic-tiles carpet-tiles rubber rubber-mats"),
    (
        _rolls,
        "insulation mineral-wool cellulose-insulation plastic-sheeting epdm-membranes "
        "roofing-felt vinyl-flooring carpets curtains textiles",
    ),
    (_slabs, "hollow-core-slabs paving-slabs"),
    (
        _heap,
        "concrete crushed-concrete soils-aggregates crushed-rock gravel sand topsoil "
        "excavated-soil asphalt-bitumen crushed-asphalt",
    ),
    (_glass, "glass window-glass insulated-glass-units glass-blocks"),
    (_beams, "steel-beams"),
    (_bars, "metal rebar aluminium-profiles copper-pipes plastic pvc-pipes"),
    (_cable_drum, "cables"),
    (_doors, "building-components interior-doors exterior-doors"),
    (_windows, "windows"),
    (_radiators, "radiators"),
    (_sinks, "stainless-steel-sinks washbasins toilets"),
    (_lamps, "light-fittings"),
    (_desks, "furniture office-desks sit-stand-desks office-chairs tables"),
    (_shelving, "shelving shop-fittings"),
    (_cabinets, "cabinets-lockers kitchen-cabinets"),
    (_scaffolding, "scaffolding facade-scaffolding mobile-scaffold-towers trestles"),
    (_fencing, "fencing fence-panels fence-feet crowd-barriers steel-railings"),
    (_containers, "site-huts office-huts storage-containers toilet-containers"),
    (_scissor_lift, "lifting scissor-lifts"),
    (_boom_lift, "boom-lifts"),
    (
        _site_unit,
        "power-heating generators construction-heaters dehumidifiers distribution-boards "
        "negative-pressure-units",
    ),
    (_mixer, "concrete-mixers"),
    (
        _tools,
        "tools plate-compactors demolition-hammers laser-levels chain-hoists pallet-jacks "
        "core-drills tile-cutters",
    ),
)
PAINTERS: dict[str, Painter] = {
    slug: painter for painter, slugs in FAMILIES for slug in slugs.split()
}


def painter_for(slug: str) -> Painter:
    return PAINTERS.get(slug, _wrapped_goods)


def demo_photo(category_slug: str, seed: int) -> bytes:
    """A 1200 × 900 JPEG illustrating the category; the same arguments give the same bytes."""
    # Seeded from a string, Random hashes it with SHA-512: stable across runs and processes.
    rng = random.Random(f"{category_slug}/{seed}")  # noqa: S311  (pictures, not secrets)
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), (200, 200, 200))
    canvas = Canvas(image, ImageDraw.Draw(image, "RGBA"), rng)
    painter_for(category_slug)(canvas, category_slug)
    return _encode(_finish(image.reduce(SCALE), rng))


def _finish(image: Image.Image, rng: random.Random) -> Image.Image:
    """Film grain and a vignette, so that flat fills read as a photograph."""
    grain = Image.frombytes("L", (WIDTH // 2, HEIGHT // 2), rng.randbytes(WIDTH * HEIGHT // 4))
    grain = grain.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR).point(
        lambda value: 118 + value * 20 // 255
    )
    image = ImageChops.soft_light(image, Image.merge("RGB", (grain, grain, grain)))
    return ImageChops.multiply(image, _vignette())


@cache
def _vignette() -> Image.Image:
    mask = Image.radial_gradient("L").resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    shade = mask.point(lambda value: 255 - max(0, value - 150) * 60 // 105)
    return Image.merge("RGB", (shade, shade, shade))


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # No optimize pass: the photo is decoded and encoded again as it is uploaded.
    image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
