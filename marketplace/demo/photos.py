"""Illustrated product photos for the demo listings, drawn with Pillow.

Real photos cannot ship with the code, and a marketplace without pictures demos badly. Every
category slug maps to a painter for its drawing family (bricks on a pallet, a timber stack, a
scissor lift…); slugs added later by operators fall back to a pallet of wrapped goods tinted by a
colour derived from the slug. The same (slug, seed) always gives the same JPEG.

Painters work in a 1200 × 900 logical space with an oblique projection: depth runs up and to the
right, so a box shows its front, its top and its right-hand side.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1200, 900
# Pillow's polygons have no anti-aliasing: drawing at twice the size and reducing smooths edges.
SCALE = 2
JPEG_QUALITY = 88
GROUND_Y = 780.0
DEPTH_X, DEPTH_Y = 0.5, -0.38

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
Fill = RGB | RGBA
Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]

ASPHALT: RGB = (128, 126, 122)
GRAVEL: RGB = (156, 148, 134)
GRASS: RGB = (112, 138, 84)
CONCRETE_FLOOR: RGB = (176, 174, 168)
OAK_FLOOR: RGB = (176, 138, 98)
PINE: RGB = (214, 172, 118)
TYRE: RGB = (38, 38, 40)
STEEL: RGB = (150, 156, 162)
GALVANISED: RGB = (178, 184, 186)
WHITE: RGB = (238, 238, 234)
# Hire-fleet colours that no single brand owns.
FLEET: tuple[RGB, ...] = (
    (232, 138, 38),
    (236, 190, 44),
    (62, 112, 170),
    (88, 140, 78),
    (196, 64, 52),
)


@dataclass(frozen=True)
class Canvas:
    image: Image.Image
    draw: ImageDraw.ImageDraw
    rng: random.Random


@dataclass(frozen=True)
class Faces:
    """The visible faces of a box; each quad runs top-left, top-right, bottom-right,
    bottom-left as seen, so that _at(quad, u, v) reads like a texture coordinate."""

    front: Quad
    top: Quad
    side: Quad


Painter = Callable[[Canvas, str], None]


# --- colours --------------------------------------------------------------------------------


def _clamp(value: float) -> int:
    return max(0, min(255, round(value)))


def _shade(colour: RGB, factor: float) -> RGB:
    return (_clamp(colour[0] * factor), _clamp(colour[1] * factor), _clamp(colour[2] * factor))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        _clamp(a[0] + (b[0] - a[0]) * t),
        _clamp(a[1] + (b[1] - a[1]) * t),
        _clamp(a[2] + (b[2] - a[2]) * t),
    )


def _vary(rng: random.Random, colour: RGB, amount: int = 12) -> RGB:
    """Mostly a change of lightness, with a little hue drift: how real batches differ."""
    light = rng.randint(-amount, amount)
    return (
        _clamp(colour[0] + light + rng.randint(-3, 3)),
        _clamp(colour[1] + light + rng.randint(-3, 3)),
        _clamp(colour[2] + light + rng.randint(-3, 3)),
    )


def _alpha(colour: RGB, opacity: int) -> RGBA:
    return (colour[0], colour[1], colour[2], opacity)


def slug_colour(slug: str) -> RGB:
    """A stable, pleasant colour for a slug, for categories no painter knows."""
    hue = hashlib.sha256(slug.encode()).digest()[0] / 255
    red, green, blue = colorsys.hls_to_rgb(hue, 0.55, 0.45)
    return (_clamp(red * 255), _clamp(green * 255), _clamp(blue * 255))


# --- drawing primitives, in logical coordinates ----------------------------------------------


def _xy(points: Sequence[Point]) -> list[tuple[float, float]]:
    return [(x * SCALE, y * SCALE) for x, y in points]


def _poly(
    c: Canvas, points: Sequence[Point], fill: Fill | None, outline: Fill | None = None
) -> None:
    scaled = _xy(points)
    if fill is not None:
        c.draw.polygon(scaled, fill=fill)
    if outline is not None:
        # polygon(width=2) draws through a full-size mask, which is slow; a closed line is not.
        c.draw.line([*scaled, scaled[0]], fill=outline, width=SCALE)


def _rect(
    c: Canvas,
    box: tuple[float, float, float, float],
    fill: Fill,
    outline: Fill | None = None,
    radius: float = 0,
) -> None:
    x0, y0, x1, y1 = (value * SCALE for value in box)
    if radius:
        c.draw.rounded_rectangle(
            (x0, y0, x1, y1), radius * SCALE, fill=fill, outline=outline, width=SCALE
        )
    else:
        c.draw.rectangle((x0, y0, x1, y1), fill=fill, outline=outline, width=SCALE)


def _ellipse(
    c: Canvas,
    centre: Point,
    rx: float,
    ry: float,
    fill: Fill | None,
    outline: Fill | None = None,
    width: float = 1,
) -> None:
    x, y = centre
    box = ((x - rx) * SCALE, (y - ry) * SCALE, (x + rx) * SCALE, (y + ry) * SCALE)
    c.draw.ellipse(box, fill=fill, outline=outline, width=max(1, round(width * SCALE)))


def _line(c: Canvas, points: Sequence[Point], fill: Fill, width: float = 1) -> None:
    c.draw.line(_xy(points), fill=fill, width=max(1, round(width * SCALE)), joint="curve")


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _at(quad: Quad, u: float, v: float) -> Point:
    return _lerp(_lerp(quad[0], quad[1], u), _lerp(quad[3], quad[2], u), v)


def _sub(quad: Quad, u0: float, v0: float, u1: float, v1: float) -> Quad:
    return (_at(quad, u0, v0), _at(quad, u1, v0), _at(quad, u1, v1), _at(quad, u0, v1))


def _depth(d: float) -> Point:
    return (d * DEPTH_X, d * DEPTH_Y)


def _faces(x: float, y: float, w: float, h: float, d: float) -> Faces:
    dx, dy = _depth(d)
    top = ((x + dx, y - h + dy), (x + w + dx, y - h + dy), (x + w, y - h), (x, y - h))
    side = ((x + w, y - h), (x + w + dx, y - h + dy), (x + w + dx, y + dy), (x + w, y))
    front = ((x, y - h), (x + w, y - h), (x + w, y), (x, y))
    return Faces(front, top, side)


def _box(
    c: Canvas, x: float, y: float, w: float, h: float, d: float, colour: RGB, edges: bool = True
) -> Faces:
    """A cuboid whose front face has its bottom-left corner at (x, y), lit from the upper left."""
    faces = _faces(x, y, w, h, d)
    edge = _shade(colour, 0.62) if edges else None
    _poly(c, faces.side, _shade(colour, 0.74), edge)
    _poly(c, faces.top, _shade(colour, 1.13), edge)
    _poly(c, faces.front, colour, edge)
    return faces


def _tile(
    c: Canvas,
    quad: Quad,
    rows: int,
    cols: int,
    colour: Callable[[], Fill],
    gap: float = 0.08,
    bond: bool = False,
) -> list[Quad]:
    """Fill a face with a grid of cells (a running bond when `bond`); returns the cells."""
    cells: list[Quad] = []
    gu, gv = gap / cols / 2, gap / rows / 2
    for row in range(rows):
        offset = 0.5 if bond and row % 2 else 0.0
        for col in range(cols + (1 if offset else 0)):
            u0 = max(0.0, (col - offset) / cols)
            u1 = min(1.0, (col + 1 - offset) / cols)
            cell = _sub(quad, u0 + gu, row / rows + gv, u1 - gu, (row + 1) / rows - gv)
            _poly(c, cell, colour())
            cells.append(cell)
    return cells


def _face_line(c: Canvas, quad: Quad, a: Point, b: Point, fill: Fill, width: float = 1) -> None:
    _line(c, [_at(quad, *a), _at(quad, *b)], fill, width)


def _cylinder(
    c: Canvas,
    centre: Point,
    radius: float,
    length: float,
    colour: RGB,
    cap: RGB | None = None,
    bands: Sequence[tuple[float, float, RGB]] = (),
) -> None:
    """A cylinder lying along the depth axis, its round end facing the viewer at `centre`.
    `bands` are (start, end, colour) stretches of the body, as fractions of the length."""
    stops = sorted({0.0, 1.0, *(t for band in bands for t in band[:2])}, reverse=True)
    for back, front in itertools.pairwise(stops):
        middle = (back + front) / 2
        fill = next((band[2] for band in bands if band[0] <= middle <= band[1]), colour)
        _hull(c, centre, radius, length * front, length * back, _shade(fill, 0.8))
    _ellipse(c, centre, radius, radius, cap or colour, _shade(colour, 0.6))
    # The light catches the upper edge along the whole length.
    dx, dy = _depth(length)
    top = (centre[0] - radius * 0.25, centre[1] - radius * 0.93)
    _line(c, [top, (top[0] + dx, top[1] + dy)], _alpha((255, 255, 255), 70), radius * 0.12)


def _hull(c: Canvas, centre: Point, radius: float, near: float, far: float, fill: RGB) -> None:
    """The stretch of a cylinder's body between two depths, as seen from the front."""
    (nx, ny), (fx, fy) = _depth(near), _depth(far)
    length = math.hypot(fx - nx, fy - ny) or 1.0
    px, py = -(fy - ny) / length * radius, (fx - nx) / length * radius
    cx, cy = centre
    _ellipse(c, (cx + fx, cy + fy), radius, radius, fill)
    _poly(
        c,
        [
            (cx + nx + px, cy + ny + py),
            (cx + fx + px, cy + fy + py),
            (cx + fx - px, cy + fy - py),
            (cx + nx - px, cy + ny - py),
        ],
        fill,
    )
    _ellipse(c, (cx + nx, cy + ny), radius, radius, fill)


def _extrude(c: Canvas, outline: Sequence[Point], length: float, colour: RGB) -> None:
    """Any flat shape pushed back along the depth axis: copies drawn back to front."""
    steps = max(2, int(length / 4))
    for step in range(steps, 0, -1):
        dx, dy = _depth(length * step / steps)
        shade = 0.55 + 0.25 * (1 - step / steps)
        _poly(c, [(x + dx, y + dy) for x, y in outline], _shade(colour, shade))
    _poly(c, outline, colour, _shade(colour, 0.7))


def _wheel(c: Canvas, centre: Point, radius: float) -> None:
    _ellipse(c, centre, radius, radius, TYRE)
    _ellipse(c, centre, radius * 0.5, radius * 0.5, (120, 122, 126), (70, 70, 72))


def _rotated_ellipse(
    centre: Point, rx: float, ry: float, angle: float, count: int = 40
) -> list[Point]:
    cos, sin = math.cos(angle), math.sin(angle)
    points = []
    for step in range(count):
        t = 2 * math.pi * step / count
        x, y = rx * math.cos(t), ry * math.sin(t)
        points.append((centre[0] + x * cos - y * sin, centre[1] + x * sin + y * cos))
    return points


Ellipse = tuple[float, float, float, float]  # centre x, centre y, x radius, y radius
BLUR_REDUCTION = 8


def _soft(c: Canvas, ellipses: Sequence[Ellipse], colour: RGB, opacity: int) -> None:
    """Ellipses merged into one soft-edged shape. The mask is drawn and blurred at an eighth of
    the size (a full-size blur is slow), and as one mask so that overlaps show no seams."""
    left = min(x - rx for x, _y, rx, _ry in ellipses) * SCALE - 32
    top = min(y - ry for _x, y, _rx, ry in ellipses) * SCALE - 32
    right = max(x + rx for x, _y, rx, _ry in ellipses) * SCALE + 32
    bottom = max(y + ry for _x, y, _rx, ry in ellipses) * SCALE + 32
    size = (int(right - left) // BLUR_REDUCTION + 1, int(bottom - top) // BLUR_REDUCTION + 1)
    mask = Image.new("L", size)
    draw = ImageDraw.Draw(mask)
    for x, y, rx, ry in ellipses:
        draw.ellipse(
            tuple(
                (value * SCALE - origin) / BLUR_REDUCTION
                for value, origin in ((x - rx, left), (y - ry, top), (x + rx, left), (y + ry, top))
            ),
            fill=opacity,
        )
    mask = mask.filter(ImageFilter.GaussianBlur(2.5))
    full = mask.resize((int(right - left), int(bottom - top)), Image.Resampling.BILINEAR)
    c.image.paste(colour, (int(left), int(top)), full)


def _shadow(c: Canvas, box: tuple[float, float, float, float], opacity: int = 120) -> None:
    """A soft contact shadow under an object occupying `box` on the ground."""
    x0, y0, x1, y1 = box
    _soft(c, [((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2)], (30, 28, 26), opacity)


def _speckle(
    c: Canvas,
    box: tuple[float, float, float, float],
    colour: RGB,
    count: int,
    size: tuple[float, float] = (1, 2.5),
    amount: int = 24,
) -> None:
    rng = c.rng
    for _ in range(count):
        x, y = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
        radius = rng.uniform(*size)
        _ellipse(c, (x, y), radius, radius * 0.8, _vary(rng, colour, amount))


# --- backgrounds -----------------------------------------------------------------------------


def _band(c: Canvas, y0: float, y1: float, top: RGB, bottom: RGB) -> None:
    """A full-width vertical gradient, stretched from a 1 × 64 strip."""
    strip = Image.new("RGB", (1, 64))
    strip.putdata([_mix(top, bottom, step / 63) for step in range(64)])
    height = max(1, round((y1 - y0) * SCALE))
    # Interpolate down one column, then copy it across: ten times quicker than one resize.
    column = strip.resize((1, height), Image.Resampling.BILINEAR)
    c.image.paste(
        column.resize((WIDTH * SCALE, height), Image.Resampling.NEAREST), (0, round(y0 * SCALE))
    )


def _clouds(c: Canvas, horizon: float) -> None:
    rng = c.rng
    for _ in range(rng.randint(2, 4)):
        x, y = rng.uniform(0, WIDTH), rng.uniform(60, horizon - 180)
        puffs = []
        for _ in range(rng.randint(4, 7)):
            rx = rng.uniform(40, 90)
            puffs.append((x + rng.uniform(-90, 90), y + rng.uniform(-20, 15), rx, rx * 0.45))
        _soft(c, puffs, (255, 255, 255), rng.randint(150, 210))


def _skyline(c: Canvas, horizon: float, haze: RGB) -> None:
    """Distant blocks of flats and trees, faded into the haze: Kera is being built up."""
    rng = c.rng
    x = rng.uniform(-80, 0)
    while x < WIDTH:
        width, height = rng.uniform(90, 200), rng.uniform(50, 150)
        colour = _mix(_vary(rng, (150, 146, 140), 16), haze, 0.45)
        _rect(c, (x, horizon - height, x + width, horizon), colour)
        for row in range(int(height // 26)):
            y = horizon - height + 12 + row * 26
            _line(c, [(x + 10, y), (x + width - 10, y)], _shade(colour, 0.9), 3)
        x += width + rng.uniform(40, 160)
    for _ in range(rng.randint(8, 14)):
        radius = rng.uniform(22, 46)
        centre = (rng.uniform(0, WIDTH), horizon - radius * 0.6)
        _ellipse(c, centre, radius, radius, _mix(_vary(rng, (74, 104, 72), 12), haze, 0.35))


def _outdoor(c: Canvas, ground: RGB = GRAVEL) -> None:
    rng = c.rng
    horizon = rng.uniform(470, 520)
    haze = _vary(rng, (214, 226, 234), 6)
    _band(c, 0, horizon, _vary(rng, (112, 160, 212), 10), haze)
    _clouds(c, horizon)
    _skyline(c, horizon, haze)
    _band(c, horizon, HEIGHT, _mix(ground, haze, 0.35), _shade(ground, 0.86))
    _speckle(c, (0, horizon + 10, WIDTH, HEIGHT), ground, 260, (1, 2.2), 30)


def _indoor(c: Canvas, floor: RGB = CONCRETE_FLOOR) -> float:
    """A wall with window light falling on it and a floor; returns where they meet."""
    rng = c.rng
    floor_y = rng.uniform(540, 600)
    wall = _vary(rng, (224, 219, 208), 8)
    _band(c, 0, floor_y, _shade(wall, 1.05), _shade(wall, 0.88))
    left = rng.uniform(80, 700)
    _poly(
        c,
        [(left, 60), (left + 260, 60), (left + 380, floor_y), (left + 120, floor_y)],
        (255, 252, 236, 46),
    )
    _rect(c, (0, floor_y - 16, WIDTH, floor_y), _shade(wall, 0.8))
    _band(c, floor_y, HEIGHT, _shade(floor, 0.92), _shade(floor, 1.04))
    for step in range(1, 6):
        y = floor_y + (HEIGHT - floor_y) * (step / 6) ** 1.6
        _line(c, [(0, y), (WIDTH, y)], _shade(floor, 0.9), 1.5)
    return floor_y


# --- shared objects --------------------------------------------------------------------------


def _pallet(c: Canvas, x: float, y: float, w: float, d: float) -> None:
    wood = _vary(c.rng, (196, 164, 116), 10)
    _box(c, x, y, w, 8, d, _shade(wood, 0.9))
    for part in (0.0, 0.5, 1.0):
        _box(c, x + (w - 48) * part, y - 8, 48, 22, d, _shade(wood, 0.85))
    _box(c, x, y - 30, w, 9, d, wood)


def _strap(c: Canvas, faces: Faces, u: float, colour: RGB = (40, 40, 44)) -> None:
    _face_line(c, faces.front, (u, 0), (u, 1), colour, 3)
    _face_line(c, faces.top, (u, 0), (u, 1), colour, 3)


def _grain(c: Canvas, quad: Quad, colour: RGB, lines: int, along_u: bool = True) -> None:
    rng = c.rng
    for _ in range(lines):
        base, wobble, phase = rng.uniform(0.05, 0.95), rng.uniform(0.01, 0.05), rng.uniform(0, 6)
        points = []
        for step in range(13):
            t = step / 12
            offset = base + wobble * math.sin(phase + t * 7)
            points.append(_at(quad, t, offset) if along_u else _at(quad, offset, t))
        _line(c, points, _alpha(colour, 110), 1.2)


def _rails(c: Canvas, faces: Faces, height: float, colour: RGB) -> None:
    """Guard rails round the top of a platform: the back, the ends, then the front."""
    back_left, back_right, front_right, front_left = faces.top
    for start, end in (
        (back_left, back_right),
        (back_left, front_left),
        (back_right, front_right),
        (front_left, front_right),
    ):
        for level, width in ((height, 5), (height / 2, 3)):
            _line(c, [(start[0], start[1] - level), (end[0], end[1] - level)], colour, width)
        for t in (0.0, 0.5, 1.0):
            x, y = _lerp(start, end, t)
            _line(c, [(x, y), (x, y - height)], colour, 4)


# --- materials -------------------------------------------------------------------------------

BRICK_REDS: tuple[RGB, ...] = ((166, 72, 52), (182, 88, 62), (150, 62, 48), (176, 104, 76))
# (unit colour, rows and columns on the front, on the side, on the top, running bond)
UNIT_STACKS: dict[str, tuple[RGB | None, tuple[int, int], tuple[int, int], tuple[int, int], bool]]
UNIT_STACKS = {
    "common-bricks": (None, (9, 5), (9, 2), (2, 5), True),
    "bricks-ceramics": (None, (9, 5), (9, 2), (2, 5), True),
    "clay-roof-tiles": ((190, 92, 54), (12, 3), (12, 2), (2, 3), False),
    "concrete-blocks": ((176, 174, 168), (4, 3), (4, 2), (2, 3), True),
    "paving-stones": ((150, 146, 140), (7, 6), (7, 4), (4, 6), False),
}


def _unit_stack(c: Canvas, slug: str) -> None:
    """Bricks, blocks or pavers strapped on pallets, a few loose ones in front."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    colour, front, side, top, bond = UNIT_STACKS.get(slug, UNIT_STACKS["common-bricks"])
    base = colour or rng.choice(BRICK_REDS)
    pallets = rng.choice((1, 2, 2))
    x = rng.uniform(150, 260) if pallets == 2 else rng.uniform(330, 430)
    for _ in range(pallets):
        _shadow(c, (x - 30, GROUND_Y - 90, x + 480, GROUND_Y + 25))
        _pallet(c, x, GROUND_Y, 340, 200)
        faces = _box(c, x + 6, GROUND_Y - 39, 328, rng.uniform(250, 310), 190, _shade(base, 0.5))

        def unit() -> RGB:
            return _vary(rng, base, 16)

        _tile(c, faces.front, *front, unit, 0.1, bond)
        _tile(c, faces.side, *side, lambda: _shade(unit(), 0.74), 0.1, bond)
        cells = _tile(c, faces.top, *top, lambda: _shade(unit(), 1.12), 0.1)
        if slug == "concrete-blocks":
            for cell in cells:
                for u in (0.18, 0.58):
                    _poly(c, _sub(cell, u, 0.2, u + 0.24, 0.8), _shade(base, 0.45))
        for u in (0.25, 0.75):
            _strap(c, faces, u)
        x += rng.uniform(400, 440)
    for _ in range(rng.randint(1, 3)):
        loose_x = rng.uniform(80, 900)
        _box(c, loose_x, rng.uniform(820, 870), 90, 30, 40, _vary(rng, base, 16))


TIMBER: dict[str, tuple[RGB, float, float, int]] = {
    # colour, piece height, piece depth, pieces per layer
    "sawn-timber": (PINE, 34, 60, 6),
    "boards-battens": ((222, 184, 132), 16, 70, 6),
    "glulam-beams": ((226, 186, 128), 90, 60, 3),
    "floorboards": ((190, 140, 92), 14, 80, 5),
    "wood": (PINE, 34, 60, 6),
}


def _timber(c: Canvas, slug: str) -> None:
    """Lengths of wood in layers separated by stickers, end grain showing on the right."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    wood, height, depth, per_layer = TIMBER.get(slug, TIMBER["wood"])
    wood = _vary(rng, wood, 10)
    length = rng.uniform(560, 680)
    x, y = rng.uniform(170, 260), GROUND_Y - 20
    layers = max(2, int(rng.uniform(200, 300) / (height + 8)))
    _shadow(c, (x - 20, y - 120, x + length + 240, y + 30))
    for bearer in (0.1, 0.5, 0.9):
        _box(c, x + length * bearer, y + 20, 40, 20, depth * per_layer, (110, 100, 90))
    for layer in range(layers):
        for piece in range(per_layer - 1, -1, -1):
            dx, dy = _depth(piece * depth)
            colour = _vary(rng, wood, 14)
            faces = _box(c, x + dx, y + dy, length, height, depth * 0.96, colour, edges=True)
            if piece == 0:
                _grain(c, faces.front, _shade(colour, 0.7), max(1, int(height / 9)))
                if slug == "glulam-beams":
                    for v in (0.2, 0.4, 0.6, 0.8):
                        _face_line(c, faces.front, (0, v), (1, v), _shade(colour, 0.8))
            if layer == layers - 1:
                _grain(c, faces.top, _shade(colour, 0.75), 2)
            _end_grain(c, faces.side, colour)
        y -= height
        if layer < layers - 1:
            for sticker in (0.15, 0.55, 0.92):
                _box(c, x + length * sticker, y, 24, 8, depth * per_layer, (150, 130, 100))
            y -= 8


def _end_grain(c: Canvas, quad: Quad, colour: RGB) -> None:
    """Growth rings round a pith near the middle, kept inside the end face."""
    centre = _at(quad, c.rng.uniform(0.4, 0.6), c.rng.uniform(0.45, 0.7))
    span = min(math.dist(quad[0], quad[1]), math.dist(quad[0], quad[3])) / 2
    _poly(c, quad, _shade(_mix(colour, (240, 220, 180), 0.35), 0.95), _shade(colour, 0.6))
    for ring in (0.25, 0.5, 0.75):
        radius = span * ring
        _ellipse(c, centre, radius, radius * 0.8, None, _alpha(_shade(colour, 0.7), 90), 1)
    _poly(c, quad, None, _shade(colour, 0.6))


def _pallets(c: Canvas, slug: str) -> None:
    rng = c.rng
    _outdoor(c, ASPHALT)
    # The farthest stack first, so that nearer ones cover it.
    for stack in reversed(range(rng.choice((2, 3)))):
        x, y = 120 + stack * 340 + rng.uniform(-20, 20), GROUND_Y - stack * 30 + 40
        _shadow(c, (x - 20, y - 60, x + 440, y + 20))
        for level in range(rng.randint(4, 8)):
            _pallet(c, x + rng.uniform(-4, 4), y - level * 39, 300, 240)


# (top colour, edge colour, sheet thickness, texture)
SHEETS: dict[str, tuple[RGB, RGB, float, str]] = {
    "plywood-sheets": ((226, 196, 148), (204, 170, 120), 7, "grain"),
    "formwork-plywood": ((112, 66, 44), (214, 178, 126), 7, "film"),
    "osb-boards": ((206, 166, 108), (190, 150, 96), 7, "flakes"),
    "plasterboard": (WHITE, (210, 206, 196), 6, "plain"),
    "plasterboard-sheets": (WHITE, (210, 206, 196), 6, "plain"),
    "gypsum-board": (WHITE, (210, 206, 196), 6, "plain"),
    "steel-sheets": ((160, 168, 176), (120, 126, 134), 4, "sheen"),
    "metal-roofing-sheets": ((66, 68, 72), (50, 50, 54), 5, "ribs"),
    "eps-boards": ((244, 244, 238), (226, 226, 220), 22, "beads"),
    "xps-boards": ((150, 192, 226), (126, 170, 206), 18, "plain"),
    "pir-boards": ((206, 210, 214), (226, 204, 132), 20, "sheen"),
    "insulation": ((244, 244, 238), (226, 226, 220), 22, "beads"),
    "ceiling-tiles": ((240, 240, 236), (222, 222, 216), 16, "beads"),
}
KEPT_DRY = {"plasterboard", "plasterboard-sheets", "gypsum-board", "ceiling-tiles"}


def _sheets(c: Canvas, slug: str) -> None:
    """A stack of boards on bearers, the top sheet showing its surface."""
    rng = c.rng
    top, edge, thickness, texture = SHEETS.get(slug, SHEETS["plywood-sheets"])
    if slug in KEPT_DRY:
        _indoor(c)  # plasterboard is kept dry
    else:
        _outdoor(c, ASPHALT)
    x, y, w, d = rng.uniform(200, 300), GROUND_Y, rng.uniform(520, 600), 420
    _shadow(c, (x - 30, y - 190, x + w + 230, y + 25))
    for bearer in (0.08, 0.5, 0.86):
        _box(c, x + w * bearer, y, 46, 30, d, (120, 104, 86))
    y -= 30
    count = max(3, int(rng.uniform(120, 220) / thickness))
    for _sheet in range(count):
        shift = rng.uniform(-5, 5)
        faces = _faces(x + shift, y, w, thickness, d)
        colour = _vary(rng, edge, 8)
        _poly(c, faces.side, _shade(colour, 0.8), _shade(colour, 0.6))
        _poly(c, faces.front, colour, _shade(colour, 0.7))
        y -= thickness
    _poly(c, faces.top, _shade(top, 1.05), _shade(top, 0.7))
    _surface(c, faces.top, top, texture)


def _surface(c: Canvas, quad: Quad, colour: RGB, texture: str) -> None:
    rng = c.rng
    if texture == "grain":
        _grain(c, quad, _shade(colour, 0.8), 14)
    elif texture == "flakes":
        for _ in range(260):
            u, v = rng.uniform(0.02, 0.95), rng.uniform(0.03, 0.93)
            _poly(
                c,
                _sub(quad, u, v, u + rng.uniform(0.02, 0.05), v + rng.uniform(0.02, 0.06)),
                _vary(rng, colour, 28),
            )
    elif texture == "beads":
        for _ in range(300):
            centre = _at(quad, rng.random(), rng.random())
            _ellipse(c, centre, 1.6, 1.3, _shade(colour, 0.93))
    elif texture == "ribs":
        for step in range(12):
            u = (step + 0.5) / 12
            _poly(c, _sub(quad, u - 0.012, 0, u + 0.012, 1), _shade(colour, 1.5))
    if texture in ("film", "sheen", "plain"):
        start = rng.uniform(0.1, 0.5)
        glare = (255, 255, 255, 40 if texture == "plain" else 70)
        _poly(c, _sub(quad, start, 0, start + 0.18, 1), glare)


ROLLS: dict[str, tuple[tuple[RGB, ...], RGB]] = {
    # body colours to choose from, band colour
    "mineral-wool": (((232, 204, 96), (170, 182, 120), (214, 200, 160)), (40, 90, 150)),
    "insulation": (((232, 204, 96), (170, 182, 120)), (40, 90, 150)),
    "plastic-sheeting": (((214, 226, 230), (70, 74, 78)), (200, 200, 200)),
    "epdm-membranes": (((46, 46, 50),), (90, 90, 96)),
    "roofing-felt": (((52, 50, 48), (90, 60, 48)), (226, 226, 220)),
    "vinyl-flooring": (((200, 184, 160), (150, 160, 166)), (230, 230, 226)),
    "carpets": (((110, 120, 140), (150, 110, 90), (96, 110, 96)), (60, 60, 60)),
    "curtains": (((180, 80, 70), (200, 190, 160), (80, 110, 130)), (230, 230, 226)),
    "textiles": (((160, 110, 150), (110, 140, 160)), (230, 230, 226)),
}


def _rolls(c: Canvas, slug: str) -> None:
    """Rolls in a pyramid, wrapped in film with a band round each (mineral wool, membranes)."""
    rng = c.rng
    choices, band = ROLLS.get(slug, ROLLS["mineral-wool"])
    body = rng.choice(choices)
    if slug == "mineral-wool" and rng.random() < 0.4:
        _packs(c, body)
        return
    if slug in ("roofing-felt", "epdm-membranes"):
        _outdoor(c, GRAVEL)
    else:
        _indoor(c)
    radius = rng.uniform(70, 95) if slug in ("mineral-wool", "insulation") else 46
    bottom = rng.choice((3, 4)) if radius > 60 else rng.choice((5, 6))
    length = rng.uniform(300, 380)
    left = (WIDTH - bottom * radius * 2) / 2 - 120
    _shadow(c, (left - 30, GROUND_Y - 80, left + bottom * radius * 2 + 260, GROUND_Y + 25))
    for row in range(bottom - (bottom // 2)):
        for col in range(bottom - row):
            centre = (left + radius * (1 + row + 2 * col), GROUND_Y - radius * (1 + 1.72 * row))
            colour = _vary(rng, body, 8)
            _cylinder(c, centre, radius, length, colour, _shade(colour, 1.08), [(0.45, 0.62, band)])
            for ring in (0.35, 0.6, 0.85):
                _ellipse(c, centre, radius * ring, radius * ring, None, _shade(colour, 0.85))


def _packs(c: Canvas, body: RGB) -> None:
    """Compressed slab packs of stone or glass wool in printed-free film."""
    rng = c.rng
    _indoor(c)
    x = rng.uniform(220, 320)
    _shadow(c, (x - 30, GROUND_Y - 120, x + 720, GROUND_Y + 25))
    for row in range(3):
        for col in range(2 - (row == 2)):
            colour = _vary(rng, body, 10)
            faces = _box(c, x + col * 290 + row * 40, GROUND_Y - row * 150, 280, 150, 300, colour)
            _poly(c, _sub(faces.front, 0, 0.35, 1, 0.55), (40, 90, 150, 200))
            _poly(c, _sub(faces.front, 0.1, 0, 0.3, 1), (255, 255, 255, 50))


def _slabs(c: Canvas, slug: str) -> None:
    """Precast slabs stacked on timber: hollow-core ends show their voids."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    hollow = slug == "hollow-core-slabs"
    grey = _vary(rng, (172, 170, 164), 10)
    w, h, d = (560, 66, 520) if hollow else (300, 18, 300)
    count = rng.randint(2, 3) if hollow else rng.randint(7, 12)
    x, y = rng.uniform(200, 280), GROUND_Y
    _shadow(c, (x - 40, y - 200, x + w + 280, y + 30))
    for layer in range(count):
        if hollow or layer == 0:
            for bearer in (0.1, 0.8):
                _box(c, x + w * bearer, y, 40, 14, d, (120, 104, 86))
            y -= 14
        colour = _vary(rng, grey, 8)
        faces = _box(c, x + rng.uniform(-6, 6), y, w, h, d, colour)
        if hollow:
            for void in range(6):
                centre = _at(faces.front, (void + 0.5) / 6, 0.5)
                _ellipse(c, centre, h * 0.32, h * 0.32, (70, 70, 68))
        y -= h
    _speckle(
        c,
        (faces.top[3][0], faces.top[0][1], faces.top[2][0], faces.top[2][1]),
        _shade(grey, 1.1),
        120,
        (0.8, 1.6),
        20,
    )
    if not hollow:
        for slab in range(rng.randint(2, 4)):
            _box(c, 760 + slab * 40, GROUND_Y + 70 - slab * 6, 200, 18, 150, _vary(rng, grey, 10))


HEAPS: dict[str, RGB] = {
    "crushed-concrete": (170, 168, 160),
    "crushed-rock": (140, 136, 132),
    "crushed-asphalt": (64, 62, 60),
    "asphalt-bitumen": (64, 62, 60),
    "gravel": (158, 142, 122),
    "sand": (206, 180, 132),
    "topsoil": (86, 64, 46),
    "excavated-soil": (128, 100, 72),
    "soils-aggregates": (150, 130, 108),
    "concrete": (170, 168, 160),
}


def _heap(c: Canvas, slug: str) -> None:
    """A stockpile of aggregate, lighter on the side facing the light."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    colour = _vary(rng, HEAPS.get(slug, HEAPS["gravel"]), 8)
    fine = slug in ("sand", "topsoil")
    for index, (centre, half, height) in enumerate(
        [(rng.uniform(300, 400), 300, 200), (rng.uniform(760, 880), 250, 280)]
    ):
        base = GROUND_Y + 40 - index * 60
        outline = [(centre - half, base)]
        for step in range(1, 24):
            t = -1 + 2 * step / 24
            bump = rng.uniform(-6, 6)
            outline.append((centre + t * half, base - height * (1 - t * t) ** 0.75 + bump))
        outline.append((centre + half, base))
        _shadow(c, (centre - half - 10, base - 40, centre + half + 60, base + 25))
        _poly(c, outline, _shade(colour, 0.9))
        for _ in range(900 if fine else 700):
            t = rng.uniform(-0.97, 0.97)
            top = base - height * (1 - t * t) ** 0.75
            y = rng.uniform(top + 4, base)
            light = 1.12 - 0.3 * (t + 1) / 2
            size = rng.uniform(1, 2.2) if fine else rng.uniform(2, 6)
            _ellipse(
                c, (centre + t * half, y), size, size * 0.75, _shade(_vary(rng, colour, 22), light)
            )


TILE_COLOURS: dict[str, tuple[RGB, ...]] = {
    "ceramic-tiles": (
        (236, 236, 232),
        (156, 156, 152),
        (176, 96, 64),
        (150, 170, 146),
        (74, 76, 80),
    ),
    "carpet-tiles": ((110, 116, 128), (96, 96, 100), (124, 104, 92)),
    "rubber-mats": ((52, 52, 56),),
    "rubber": ((52, 52, 56),),
}


def _tiles(c: Canvas, slug: str) -> None:
    """A floor laid with the tiles, boxes of them stacked on it and one leaning as a sample."""
    rng = c.rng
    floor_y = _indoor(c)
    colour = rng.choice(TILE_COLOURS.get(slug, TILE_COLOURS["ceramic-tiles"]))
    _tiled_floor(c, floor_y, colour, glossy=slug == "ceramic-tiles")
    x = rng.uniform(260, 420)
    bottom = floor_y + rng.uniform(200, 240)
    _shadow(c, (x - 30, bottom - 60, x + 520, bottom + 25))
    for layer in range(rng.randint(2, 4)):
        for box in range(2):
            cardboard = _vary(rng, (188, 152, 106), 8)
            faces = _box(c, x + box * 190 + layer * 6, bottom - layer * 62, 186, 62, 190, cardboard)
            _face_line(c, faces.top, (0.5, 0), (0.5, 1), (150, 120, 80), 3)
    sample = _box(c, x + 400, bottom + 10, 180, 180, 12, colour)
    if slug == "ceramic-tiles":
        _poly(c, _sub(sample.front, 0.1, 0, 0.35, 1), (255, 255, 255, 60))


def _tiled_floor(c: Canvas, floor_y: float, colour: RGB, glossy: bool) -> None:
    """Square tiles in perspective: the joints run to a vanishing point above the floor."""
    rng = c.rng
    vanish = (WIDTH / 2, floor_y - 600)
    _rect(c, (0, floor_y, WIDTH, HEIGHT), _shade(colour, 0.75))

    def at(x_bottom: float, y: float) -> Point:
        t = (y - vanish[1]) / (HEIGHT - vanish[1])
        return (vanish[0] + (x_bottom - vanish[0]) * t, y)

    rows, columns, size = 7, 16, 150.0
    edges = [floor_y + (HEIGHT - floor_y) * (row / rows) ** 1.3 for row in range(rows + 1)]
    for row in range(rows):
        top, bottom = edges[row] + 1.5, edges[row + 1] - 1.5
        for column in range(columns):
            left = WIDTH / 2 + (column - columns / 2) * size
            cell = [at(left + 3, top), at(left + size - 3, top), at(left + size - 3, bottom)]
            cell.append(at(left + 3, bottom))
            checker = 1.06 if (row + column) % 2 else 0.96
            _poly(c, cell, _shade(_vary(rng, colour, 5), checker))
            if glossy and rng.random() < 0.3:
                quad = (cell[0], cell[1], cell[2], cell[3])
                _poly(c, _sub(quad, 0.2, 0.1, 0.45, 0.9), (255, 255, 255, 36))


def _glass(c: Canvas, slug: str) -> None:
    """Panes leaning on a painted A-frame rack, catching the sky."""
    rng = c.rng
    if slug == "glass-blocks":
        _glass_blocks(c)
        return
    _outdoor(c, ASPHALT)
    x, y = rng.uniform(240, 320), GROUND_Y
    rack = rng.choice(((60, 100, 150), (170, 60, 50), (90, 90, 96)))
    _shadow(c, (x - 30, y - 60, x + 700, y + 25))
    _box(c, x, y, 620, 26, 200, rack)
    # The A-frame's back: two raked posts joined by rails, open so the panes show through.
    for post in (x + 30, x + 590):
        _line(c, [(post, y - 26), (post + 44, y - 430)], _shade(rack, 0.8), 12)
    for rail in (150, 300, 420):
        rake = 44 * rail / 404
        _line(
            c,
            [(x + 30 + rake, y - 26 - rail), (x + 590 + rake, y - 26 - rail)],
            _shade(rack, 0.8),
            8,
        )
    for pane in range(rng.randint(3, 5)):
        left = x + 40 + pane * 22
        width, height = rng.uniform(420, 540), rng.uniform(300, 390)
        lean = 34 + pane * 4
        quad = [
            (left + lean, y - 26 - height),
            (left + lean + width, y - 26 - height),
            (left + width, y - 26),
            (left, y - 26),
        ]
        _poly(c, quad, (176, 210, 214, 90), (120, 168, 160, 220))
        if slug == "insulated-glass-units":
            inner = [
                (px + (12 if i in (0, 3) else -12), py + (12 if i < 2 else -12))
                for i, (px, py) in enumerate(quad)
            ]
            _poly(c, inner, None, (150, 150, 150, 200))
        for band in (0.2, 0.55):
            start = left + width * band
            _poly(
                c,
                [
                    (start + lean + 60, y - 26 - height),
                    (start + lean + 110, y - 26 - height),
                    (start + 50, y - 26),
                    (start, y - 26),
                ],
                (255, 255, 255, 34),
            )


def _glass_blocks(c: Canvas) -> None:
    rng = c.rng
    _indoor(c)
    x = rng.uniform(300, 380)
    _shadow(c, (x - 30, GROUND_Y - 90, x + 560, GROUND_Y + 25))
    _pallet(c, x, GROUND_Y, 380, 220)
    faces = _box(c, x + 8, GROUND_Y - 39, 364, 280, 200, (150, 170, 176))
    for quad in (faces.front, faces.side, faces.top):
        for cell in _tile(
            c,
            quad,
            4 if quad is not faces.top else 2,
            4 if quad is not faces.side else 2,
            lambda: _vary(rng, (186, 214, 222), 8),
            0.08,
        ):
            _poly(c, _sub(cell, 0.2, 0.2, 0.8, 0.8), (220, 240, 244, 150))
            _face_line(c, cell, (0.1, 0.1), (0.45, 0.1), (255, 255, 255, 180), 2)


def _i_profile(x: float, y: float, width: float, height: float) -> list[Point]:
    """An I-beam's cross-section with its bottom-left corner at (x, y)."""
    flange, web = height * 0.12, width * 0.14
    middle = x + width / 2
    return [
        (x, y),
        (x + width, y),
        (x + width, y - flange),
        (middle + web / 2, y - flange),
        (middle + web / 2, y - height + flange),
        (x + width, y - height + flange),
        (x + width, y - height),
        (x, y - height),
        (x, y - height + flange),
        (middle - web / 2, y - height + flange),
        (middle - web / 2, y - flange),
        (x, y - flange),
    ]


def _beams(c: Canvas, slug: str) -> None:
    """Steel sections stacked on timber, ends towards the viewer."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    colour = rng.choice(((92, 98, 108), (150, 76, 58), (170, 176, 178)))
    width, height = rng.uniform(90, 120), rng.uniform(110, 150)
    length = rng.uniform(520, 620)
    per_layer = rng.randint(3, 4)
    x = (WIDTH - per_layer * (width + 16)) / 2 - 150
    _shadow(c, (x - 30, GROUND_Y - 200, x + per_layer * (width + 16) + 330, GROUND_Y + 25))
    for bearer_depth in (0.75, 0.1):
        dx, dy = _depth(length * bearer_depth)
        _box(c, x - 20 + dx, GROUND_Y + dy, per_layer * (width + 16) + 40, 24, 50, (120, 104, 86))
    y = GROUND_Y - 24
    for _layer in range(2):
        for beam in range(per_layer):
            profile = _i_profile(x + beam * (width + 16), y, width, height)
            _extrude(c, profile, length, _vary(rng, colour, 8))
        y -= height + 24
        x += (width + 16) / 2
        per_layer -= 1


# (radius, hollow, colour choices, bundle rows)
BARS: dict[str, tuple[float, bool, tuple[RGB, ...], int]] = {
    "rebar": (9, False, ((128, 74, 52), (110, 80, 66)), 11),
    "copper-pipes": (13, True, ((196, 112, 70),), 8),
    "pvc-pipes": (40, True, ((210, 104, 50), (150, 150, 154)), 4),
    "aluminium-profiles": (16, False, ((198, 202, 206),), 7),
    "metal": (9, False, ((128, 74, 52),), 11),
}


def _bars(c: Canvas, slug: str) -> None:
    """A bundle of bars, pipes or profiles lying on bearers, tied with wire."""
    rng = c.rng
    _outdoor(c, ASPHALT)
    radius, hollow, colours, rows = BARS.get(slug, BARS["metal"])
    colour = rng.choice(colours)
    length = rng.uniform(560, 640)
    x0 = rng.uniform(250, 330)
    _shadow(c, (x0 - 30, GROUND_Y - 120, x0 + rows * radius * 2 + 380, GROUND_Y + 25))
    for bearer in (0.7, 0.1):
        dx, dy = _depth(length * bearer)
        _box(c, x0 - 20 + dx, GROUND_Y + dy, rows * radius * 2.1 + 40, 22, 50, (120, 104, 86))
    for row in range(rows):
        for col in range(rows - row):
            centre = (x0 + radius * (1 + row + 2 * col), GROUND_Y - 22 - radius * (1 + 1.72 * row))
            shade = _vary(rng, colour, 10)
            if slug == "aluminium-profiles":
                square = [
                    (centre[0] - radius, centre[1] + radius),
                    (centre[0] + radius, centre[1] + radius),
                    (centre[0] + radius, centre[1] - radius),
                    (centre[0] - radius, centre[1] - radius),
                ]
                _extrude(c, square, length, shade)
                continue
            _cylinder(c, centre, radius, length, shade)
            if hollow:
                _ellipse(c, centre, radius * 0.78, radius * 0.78, _shade(shade, 0.35))


def _cable_drum(c: Canvas, slug: str) -> None:
    """Cable drums on their rims: plywood flanges with a coil of cable between them."""
    rng = c.rng
    _outdoor(c, ASPHALT)
    cable = rng.choice(((40, 40, 42), (60, 60, 64), (220, 220, 216)))
    for index in range(rng.choice((1, 2))):
        radius = rng.uniform(160, 200) - index * 40
        centre = (rng.uniform(380, 440) + index * 420, GROUND_Y - radius + index * 30)
        _shadow(
            c,
            (
                centre[0] - radius,
                GROUND_Y - 40 + index * 30,
                centre[0] + radius + 200,
                GROUND_Y + 25 + index * 30,
            ),
        )
        plywood = _vary(rng, (196, 160, 112), 10)
        _cylinder(c, centre, radius, 210, plywood, bands=[(0.12, 0.88, cable)])
        _ellipse(c, centre, radius, radius, _shade(plywood, 1.04), _shade(plywood, 0.6), 2)
        _ellipse(c, centre, radius * 0.2, radius * 0.2, (60, 50, 40))
        for bolt in range(6):
            angle = bolt * math.pi / 3
            _ellipse(
                c,
                (
                    centre[0] + math.cos(angle) * radius * 0.45,
                    centre[1] + math.sin(angle) * radius * 0.45,
                ),
                5,
                5,
                (90, 90, 94),
            )


# --- building components ---------------------------------------------------------------------

DOOR_COLOURS: tuple[RGB, ...] = ((242, 242, 238), (228, 226, 220), (170, 128, 86), (62, 86, 74))


def _doors(c: Canvas, slug: str) -> None:
    """Door leaves leaning against the wall, with handles and panels."""
    rng = c.rng
    floor_y = _indoor(c)
    exterior = slug == "exterior-doors"
    x = rng.uniform(180, 260)
    for _ in range(rng.choice((2, 3))):
        colour = rng.choice(DOOR_COLOURS[2:] if exterior else DOOR_COLOURS[:3])
        width, height = (230, 500) if exterior else (200, 470)
        bottom = floor_y + rng.uniform(40, 120)
        _shadow(c, (x - 10, bottom - 20, x + width + 60, bottom + 20), 90)
        lean = 26
        _poly(
            c,
            [
                (x + width + lean, bottom - height),
                (x + width + lean + 14, bottom - height - 6),
                (x + width + 14, bottom - 6),
                (x + width, bottom),
            ],
            _shade(colour, 0.72),
        )
        leaf = (
            (x + lean, bottom - height),
            (x + width + lean, bottom - height),
            (x + width, bottom),
            (x, bottom),
        )
        _poly(c, leaf, colour, _shade(colour, 0.7))
        if exterior:
            _poly(c, _sub(leaf, 0.2, 0.1, 0.8, 0.42), (150, 186, 206))
            _poly(c, _sub(leaf, 0.25, 0.12, 0.45, 0.4), (255, 255, 255, 60))
            _poly(c, _sub(leaf, 0.2, 0.55, 0.8, 0.9), None, _shade(colour, 0.8))
        else:
            for v0, v1 in ((0.08, 0.45), (0.55, 0.92)):
                _poly(c, _sub(leaf, 0.15, v0, 0.85, v1), None, _shade(colour, 0.88))
        hx, hy = _at(leaf, 0.88, 0.52)
        _rect(c, (hx - 5, hy - 14, hx + 5, hy + 14), (170, 172, 176), radius=3)
        _line(c, [(hx, hy - 6), (hx - 34, hy - 6)], (190, 192, 196), 6)
        x += width + rng.uniform(70, 110)


def _windows(c: Canvas, slug: str) -> None:
    """Window units leaning on the wall, the glass reflecting the sky."""
    rng = c.rng
    floor_y = _indoor(c)
    x = rng.uniform(140, 220)
    frame = rng.choice(((244, 244, 240), (236, 236, 230), (90, 96, 100)))
    for _ in range(rng.choice((2, 3))):
        width, height = rng.uniform(260, 340), rng.uniform(320, 420)
        if x + width + 24 > WIDTH - 20:
            break
        bottom = floor_y + rng.uniform(60, 140)
        _shadow(c, (x - 10, bottom - 20, x + width + 50, bottom + 20), 90)
        outer = (
            (x + 24, bottom - height),
            (x + width + 24, bottom - height),
            (x + width, bottom),
            (x, bottom),
        )
        _poly(c, outer, frame, _shade(frame, 0.7))
        mullion = rng.random() < 0.6
        for u0, u1 in ((0.07, 0.47), (0.53, 0.93)) if mullion else ((0.07, 0.93),):
            pane = _sub(outer, u0, 0.07, u1, 0.93)
            _poly(c, pane, (134, 172, 204), _shade(frame, 0.75))
            _poly(c, _sub(pane, 0, 0, 1, 0.45), (196, 220, 236, 120))
            _poly(c, _sub(pane, 0.15, 0, 0.4, 1), (255, 255, 255, 48))
        x += width + rng.uniform(60, 100)


def _radiators(c: Canvas, slug: str) -> None:
    """Steel panel radiators standing against the wall, pipe stubs at the ends."""
    rng = c.rng
    floor_y = _indoor(c)
    x = rng.uniform(120, 200)
    for _ in range(rng.choice((2, 3))):
        width, height = rng.uniform(260, 380), rng.uniform(180, 300)
        bottom = floor_y + rng.uniform(60, 160)
        colour = _vary(rng, WHITE, 6)
        _shadow(c, (x - 10, bottom - 30, x + width + 70, bottom + 18), 90)
        faces = _box(c, x, bottom, width, height, 60, colour)
        for slot in range(int(width / 16)):
            u = (slot + 0.5) / int(width / 16)
            _face_line(c, faces.front, (u, 0.06), (u, 0.94), _shade(colour, 0.86), 2)
        for u in (0.06, 0.94):
            px, py = _at(faces.front, u, 1)
            _rect(c, (px - 6, py, px + 6, py + 16), (190, 190, 186))
        x += width + rng.uniform(70, 110)


def _sinks(c: Canvas, slug: str) -> None:
    """Sinks and basins on a workshop floor: stainless tops or white porcelain."""
    rng = c.rng
    floor_y = _indoor(c)
    steel = slug == "stainless-steel-sinks"
    x = rng.uniform(160, 240)
    for _ in range(2):
        bottom = floor_y + rng.uniform(120, 200)
        _shadow(c, (x - 20, bottom - 60, x + 560, bottom + 20), 90)
        if slug == "toilets":
            _toilet(c, x, bottom)
        else:
            colour = (192, 196, 200) if steel else _vary(rng, (244, 244, 242), 4)
            w, d = (420, 260) if steel else (300, 200)
            faces = _box(c, x, bottom, w, 30 if steel else 90, d, colour)
            bowl = _sub(faces.top, 0.12, 0.15, 0.62 if steel else 0.88, 0.85)
            centre = _at(bowl, 0.5, 0.5)
            rx, ry = (bowl[1][0] - bowl[0][0]) / 2 + 12, (bowl[3][1] - bowl[0][1]) / 2
            _ellipse(c, centre, rx, ry, _shade(colour, 0.7), _shade(colour, 0.55))
            _ellipse(c, (centre[0], centre[1] + ry * 0.2), rx * 0.16, ry * 0.16, (70, 70, 74))
            if steel:
                _poly(c, _sub(faces.top, 0.3, 0, 0.42, 1), (255, 255, 255, 70))
        x += rng.uniform(450, 520)


def _toilet(c: Canvas, x: float, bottom: float) -> None:
    """Cistern behind, then the pedestal and the bowl in front of it."""
    white = (244, 244, 240)
    _box(c, x + 60, bottom - 120, 200, 210, 70, white)
    _box(c, x + 90, bottom, 120, 150, 90, _shade(white, 0.96))
    _ellipse(c, (x + 160, bottom - 160), 120, 44, white, (200, 200, 196), 1.5)
    _ellipse(c, (x + 160, bottom - 162), 84, 26, (210, 214, 216))


def _lamps(c: Canvas, slug: str) -> None:
    """Pendant lamps hanging from a ceiling rail, each with a warm glow."""
    rng = c.rng
    _indoor(c, OAK_FLOOR)
    count = rng.randint(3, 4)
    colours = rng.sample(
        [(40, 44, 48), (220, 120, 60), (70, 120, 110), (236, 236, 230), (200, 170, 80)], count
    )
    for index, colour in enumerate(colours):
        x = 180 + index * (840 / max(1, count - 1))
        y = rng.uniform(300, 420)
        _line(c, [(x, 0), (x, y - 70)], (40, 40, 40), 2)
        _ellipse(c, (x, y + 12), 140, 60, (255, 236, 170, 36))
        _poly(c, [(x - 20, y - 74), (x + 20, y - 74), (x + 90, y), (x - 90, y)], colour)
        _ellipse(c, (x, y), 90, 14, _shade(colour, 0.7))
        _ellipse(c, (x, y + 2), 26, 10, (255, 244, 200))


# --- furniture -------------------------------------------------------------------------------


def _legs(
    c: Canvas, faces: Faces, height: float, colour: RGB, back: bool, size: float = 12
) -> None:
    corners = (faces.top[0], faces.top[1]) if back else (faces.top[3], faces.top[2])
    for number, (x, y) in enumerate(corners):
        inset = 14 if number == 0 else -14 - size
        _box(c, x + inset, y + height, size, height, size, colour)


def _desk(c: Canvas, x: float, y: float, slug: str, w: float = 460) -> None:
    rng = c.rng
    top = rng.choice(((236, 232, 222), (196, 160, 118), (120, 110, 100)))
    frame = rng.choice(((60, 62, 66), (220, 222, 224)))
    d, height = 220, 230
    _shadow(c, (x - 20, y - 60, x + w + 140, y + 20), 80)
    faces = _faces(x, y - height, w, 16, d)
    if slug == "sit-stand-desks":
        for u in (0.12, 0.88):
            fx, fy = _at(faces.front, u, 1)
            _box(c, fx - 18, fy + height - 40 + 40, 36, 12, d * 0.8, frame)
            _box(c, fx - 14 + 20, fy + height - 20, 28, height - 20, 28, frame)
    else:
        _legs(c, faces, height, frame, back=True)
    _box(c, x, y - height, w, 16, d, top)
    if slug != "sit-stand-desks":
        _legs(c, faces, height, frame, back=False)


def _chair(c: Canvas, x: float, y: float) -> None:
    """An office chair, seen three-quarters from the front."""
    rng = c.rng
    fabric = rng.choice(((50, 54, 60), (70, 90, 120), (110, 50, 50), (80, 100, 80)))
    _shadow(c, (x - 90, y - 20, x + 110, y + 20), 90)
    for angle in range(5):
        a = math.radians(90 + angle * 72)
        end = (x + math.cos(a) * 80, y - 20 + math.sin(a) * 24)
        _line(c, [(x, y - 30), end], (46, 46, 48), 7)
        _ellipse(c, (end[0], end[1] + 8), 9, 8, (30, 30, 32))
    _rect(c, (x - 6, y - 120, x + 6, y - 30), (120, 122, 126))
    _rect(c, (x - 80, y - 150, x + 80, y - 112), fabric, _shade(fabric, 0.7), radius=14)
    _rect(
        c, (x - 66, y - 330, x + 66, y - 160), _shade(fabric, 1.1), _shade(fabric, 0.7), radius=30
    )
    _rect(c, (x - 6, y - 170, x + 6, y - 140), (60, 60, 62))
    for side in (-1, 1):
        _line(
            c,
            [(x + side * 72, y - 140), (x + side * 84, y - 190), (x + side * 40, y - 196)],
            (46, 46, 48),
            6,
        )


def _desks(c: Canvas, slug: str) -> None:
    rng = c.rng
    floor_y = _indoor(c, rng.choice((CONCRETE_FLOOR, OAK_FLOOR, (150, 154, 160))))
    if slug == "office-chairs":
        chairs = rng.randint(3, 4)
        for index in range(chairs):
            x = WIDTH / 2 + (index - (chairs - 1) / 2) * 250 + rng.uniform(-20, 20)
            _chair(c, x, floor_y + rng.uniform(170, 230))
        return
    _desk(c, rng.uniform(160, 260), floor_y + 150, slug)
    if slug != "tables":
        _chair(c, rng.uniform(850, 950), floor_y + 250)
    else:
        _desk(c, rng.uniform(600, 640), floor_y + 270, slug, 380)


def _shelving(c: Canvas, slug: str) -> None:
    """Shelving or shop gondolas with a few boxes on them."""
    rng = c.rng
    floor_y = _indoor(c)
    shop = slug == "shop-fittings"
    frame = rng.choice(((70, 100, 150), (60, 62, 66), (230, 230, 226)))
    shelf_colour = (236, 232, 222) if shop else (196, 200, 204)
    x = rng.uniform(140, 220)
    for _ in range(2):
        w, d, height = rng.uniform(300, 380), 160, rng.uniform(380, 460)
        bottom = floor_y + rng.uniform(120, 180)
        _shadow(c, (x - 20, bottom - 40, x + w + 100, bottom + 20), 90)
        faces = _faces(x, bottom, w, height, d)
        if shop:
            _poly(c, faces.front, _shade(shelf_colour, 0.9))
        _legs(c, faces, height, frame, back=True, size=10)
        shelves = 4
        for level in range(shelves):
            y = bottom - 10 - level * (height - 20) / (shelves - 1)
            shelf = _box(c, x, y, w, 12, d, shelf_colour)
            if level < shelves - 1:
                _goods(c, shelf)
        _legs(c, faces, height, frame, back=False, size=10)
        x += w + rng.uniform(110, 170)
    if shop:
        _counter(c)


def _goods(c: Canvas, shelf: Faces) -> None:
    rng = c.rng
    u = rng.uniform(0.02, 0.2)
    while u < 0.8:
        width = rng.uniform(0.12, 0.25)
        x, y = _at(shelf.top, u, 0.7)
        _box(
            c,
            x,
            y,
            (shelf.front[1][0] - shelf.front[0][0]) * width,
            rng.uniform(30, 70),
            60,
            _vary(rng, (186, 150, 104), 14),
        )
        u += width + rng.uniform(0.04, 0.15)


def _counter(c: Canvas) -> None:
    """A display counter with a glass top, in front of the gondolas."""
    rng = c.rng
    x, y = rng.uniform(500, 600), 860
    colour = rng.choice(((236, 232, 222), (150, 110, 80)))
    _shadow(c, (x - 20, y - 30, x + 520, y + 20))
    faces = _box(c, x, y, 420, 150, 120, colour)
    glass = _faces(x, y - 150, 420, 70, 120)
    _poly(c, glass.front, (190, 220, 230, 80), (200, 200, 200))
    _poly(c, glass.top, (210, 230, 236, 90), (200, 200, 200))
    _poly(c, glass.side, (190, 220, 230, 70), (200, 200, 200))
    _poly(c, _sub(faces.front, 0, 0.1, 1, 0.18), _shade(colour, 0.85))


def _cabinets(c: Canvas, slug: str) -> None:
    """Lockers or kitchen cabinets: doors, handles and a worktop."""
    rng = c.rng
    floor_y = _indoor(c)
    kitchen = slug == "kitchen-cabinets"
    colour = rng.choice(((238, 238, 232), (84, 110, 140), (150, 154, 158), (200, 176, 140)))
    units, w = (rng.randint(3, 4), 150) if kitchen else (rng.randint(2, 3), 170)
    height = 220 if kitchen else 470
    x = (WIDTH - units * w) / 2 - 60
    bottom = floor_y + rng.uniform(140, 200)
    _shadow(c, (x - 20, bottom - 40, x + units * w + 120, bottom + 20))
    for unit in range(units):
        faces = _box(c, x + unit * w, bottom, w, height, 160, _vary(rng, colour, 4))
        doors = 1 if kitchen else 2
        for door in range(doors):
            panel = _sub(faces.front, 0.05, 0.04 + door / doors, 0.95, (door + 1) / doors - 0.03)
            _poly(c, panel, None, _shade(colour, 0.8))
            hx, hy = _at(panel, 0.82, 0.1 if kitchen else 0.5)
            _rect(c, (hx - 3, hy, hx + 3, hy + 40), (140, 142, 146), radius=2)
            if not kitchen:
                for slot in range(4):
                    _face_line(
                        c,
                        panel,
                        (0.25, 0.08 + slot * 0.04),
                        (0.6, 0.08 + slot * 0.04),
                        _shade(colour, 0.7),
                        2,
                    )
    if kitchen:
        _box(c, x - 6, bottom - height, units * w + 12, 16, 170, (70, 66, 62))


# --- equipment -------------------------------------------------------------------------------


def _facade(c: Canvas, left: float, right: float, top: float) -> None:
    """The building being worked on: a rendered facade with rows of windows."""
    rng = c.rng
    wall = rng.choice(((214, 196, 170), (190, 120, 92), (226, 224, 216)))
    _rect(c, (left, top, right, GROUND_Y - 10), wall)
    for row in range(int((GROUND_Y - top) // 150)):
        for col in range(int((right - left) // 170)):
            x, y = left + 50 + col * 170, top + 40 + row * 150
            _rect(c, (x, y, x + 80, y + 96), (80, 100, 120), _shade(wall, 0.7))
            _poly(c, [(x, y), (x + 30, y), (x + 10, y + 96), (x, y + 96)], (255, 255, 255, 40))


def _scaffolding(c: Canvas, slug: str) -> None:
    """A frame scaffold in front of a facade: tubes, braces, decks and toe boards."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    if slug == "mobile-scaffold-towers":
        _tower(c)
        return
    if slug == "trestles":
        _trestles(c)
        return
    _facade(c, -20, WIDTH + 20, rng.uniform(120, 180))
    bays, levels = 4, 3
    left, bay, lift = rng.uniform(40, 120), 260.0, 200.0
    tube = GALVANISED
    depth = _depth(110)
    for row_offset, shade in ((depth, 0.7), ((0.0, 0.0), 1.0)):
        colour = _shade(tube, shade)
        ox, oy = row_offset
        for post in range(bays + 1):
            x = left + post * bay + ox
            _line(c, [(x, GROUND_Y + oy), (x, GROUND_Y - levels * lift - 100 + oy)], colour, 7)
            _rect(c, (x - 16, GROUND_Y + oy - 4, x + 16, GROUND_Y + oy + 4), (90, 90, 90))
        for level in range(1, levels + 1):
            y = GROUND_Y - level * lift + oy
            _line(c, [(left + ox, y), (left + bays * bay + ox, y)], colour, 6)
            _line(c, [(left + ox, y - 50), (left + bays * bay + ox, y - 50)], colour, 4)
            if shade == 1.0:
                _deck(c, left, y, bays * bay)
        if shade < 1.0:
            for brace in range(bays):
                x0 = left + brace * bay + ox
                y0, y1 = GROUND_Y + oy, GROUND_Y - levels * lift + oy
                _line(c, [(x0, y0), (x0 + bay, y1)], _shade(colour, 0.9), 5)


def _deck(c: Canvas, left: float, y: float, width: float) -> None:
    plank = _vary(c.rng, (150, 150, 150), 6)
    faces = _box(c, left, y, width, 8, 110, plank)
    for slot in range(1, 4):
        _face_line(c, faces.top, (0, slot / 4), (1, slot / 4), _shade(plank, 0.8))
    _box(c, left, y - 8, width, 26, 4, (230, 170, 60))


def _tower(c: Canvas) -> None:
    """An aluminium mobile tower on castors with a platform and guard rails."""
    rng = c.rng
    x, w, d = rng.uniform(380, 480), 240.0, 180.0
    height = rng.uniform(520, 600)
    alu = (196, 200, 204)
    _shadow(c, (x - 20, GROUND_Y - 40, x + w + 120, GROUND_Y + 20))
    dx, dy = _depth(d)
    for ox, oy, shade in ((dx, dy, 0.7), (0.0, 0.0, 1.0)):
        colour = _shade(alu, shade)
        for post_x in (x + ox, x + w + ox):
            _line(c, [(post_x, GROUND_Y - 30 + oy), (post_x, GROUND_Y - height + oy)], colour, 7)
            _wheel(c, (post_x, GROUND_Y - 14 + oy), 14)
        for rung in range(int(height / 40)):
            y = GROUND_Y - 40 - rung * 40 + oy
            _line(c, [(x + ox, y), (x + w + ox, y)], colour, 3)
    platform = _box(c, x, GROUND_Y - height + 110, w, 10, d, (70, 110, 160))
    _rails(c, platform, 100, alu)
    for side in (x, x + w):
        _line(
            c, [(side, GROUND_Y - height + 100), (side + dx, GROUND_Y - height + 100 + dy)], alu, 5
        )


def _trestles(c: Canvas) -> None:
    rng = c.rng
    x = rng.uniform(240, 320)
    steel = rng.choice(FLEET)
    _shadow(c, (x - 30, GROUND_Y - 40, x + 700, GROUND_Y + 20))
    for offset in (0, 480):
        for leg in (-50, 50):
            _line(c, [(x + offset, GROUND_Y - 260), (x + offset + leg, GROUND_Y)], steel, 8)
            _line(
                c,
                [(x + offset + 60, GROUND_Y - 300), (x + offset + 60 + leg, GROUND_Y - 40)],
                _shade(steel, 0.7),
                8,
            )
    _box(c, x - 60, GROUND_Y - 262, 680, 16, 140, _vary(rng, PINE, 8))


def _fencing(c: Canvas, slug: str) -> None:
    """A run of mesh fence panels on their feet, or steel barriers and railings."""
    rng = c.rng
    _outdoor(c, ASPHALT)
    mesh = slug in ("fencing", "fence-panels", "fence-feet")
    height = 300 if mesh else 160
    colour = GALVANISED if mesh or slug == "crowd-barriers" else (50, 54, 58)
    x = rng.uniform(40, 120)
    y = GROUND_Y + 20
    _shadow(c, (x - 20, y - 30, WIDTH, y + 20), 90)
    while x < WIDTH - 160:
        width = 340 if mesh else 240
        _line(c, [(x, y), (x, y - height), (x + width, y - height), (x + width, y)], colour, 6)
        if mesh:
            for step in range(1, int(width / 24)):
                _line(c, [(x + step * 24, y - height), (x + step * 24, y)], colour, 1.5)
            for step in range(1, int(height / 30)):
                _line(c, [(x, y - step * 30), (x + width, y - step * 30)], colour, 1.5)
            foot = rng.choice(((230, 120, 40), (60, 60, 64)))
            _box(c, x - 40, y + 8, 80, 22, 40, foot)
        else:
            _line(c, [(x, y - height / 2), (x + width, y - height / 2)], colour, 4)
            for step in range(1, int(width / 20)):
                _line(c, [(x + step * 20, y - height + 10), (x + step * 20, y - 12)], colour, 3)
            for foot_x in (x, x + width):
                _line(c, [(foot_x - 30, y + 4), (foot_x + 30, y - 6)], colour, 6)
        x += width + 8


def _containers(c: Canvas, slug: str) -> None:
    """A site hut or a steel container on sleepers."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    hut = slug in ("office-huts", "site-huts")
    toilet = slug == "toilet-containers"
    colour = (
        rng.choice(((236, 236, 232), (210, 214, 216)))
        if hut
        else rng.choice(((60, 100, 150), (70, 110, 80), (160, 70, 50), (150, 150, 150)))
    )
    w, h, d = (260.0, 270.0, 240.0) if toilet else (640.0, 290.0, 260.0)
    x = (WIDTH - w) / 2 - 120
    _shadow(c, (x - 30, GROUND_Y - 60, x + w + 180, GROUND_Y + 25))
    for sleeper in (0.08, 0.8):
        _box(c, x + w * sleeper, GROUND_Y, 40, 16, d, (80, 74, 66))
    faces = _box(c, x, GROUND_Y - 16, w, h, d, colour)
    if hut:
        for u in (0.12, 0.56):
            window = _sub(faces.front, u, 0.2, u + 0.3, 0.6)
            _poly(c, window, (80, 100, 120), (120, 120, 120))
            _poly(c, _sub(window, 0.1, 0, 0.35, 1), (255, 255, 255, 50))
        door = _sub(faces.side, 0.3, 0.12, 0.7, 1)
        _poly(c, door, _shade(colour, 0.6), (90, 90, 90))
        _box(c, faces.side[3][0] + 20, GROUND_Y + 6, 60, 20, 80, (110, 112, 114))
    elif toilet:
        _poly(c, _sub(faces.front, 0.25, 0.12, 0.75, 1), _shade(colour, 0.85), (80, 80, 80))
        _poly(c, _sub(faces.front, 0.4, 0.2, 0.6, 0.26), (40, 40, 40))
    else:
        for rib in range(24):
            _face_line(
                c,
                faces.front,
                ((rib + 0.5) / 24, 0.03),
                ((rib + 0.5) / 24, 0.97),
                _shade(colour, 0.8),
                4,
            )
        for u in (0.25, 0.5, 0.75):
            _face_line(c, faces.side, (u, 0.03), (u, 0.97), _shade(colour, 0.5), 3)
            _face_line(c, faces.side, (u + 0.08, 0.06), (u + 0.08, 0.94), (160, 160, 160), 3)


def _scissor_lift(c: Canvas, slug: str) -> None:
    """A slab scissor lift, platform partly raised."""
    rng = c.rng
    _outdoor(c, ASPHALT)
    colour = rng.choice(FLEET)
    x, w, d = rng.uniform(330, 420), 420.0, 180.0
    _shadow(c, (x - 30, GROUND_Y - 50, x + w + 110, GROUND_Y + 22))
    chassis = _box(c, x, GROUND_Y - 20, w, 70, d, colour)
    for u in (0.15, 0.85):
        _wheel(c, (x + w * u, GROUND_Y - 26), 30)
    lift = rng.uniform(240, 330)
    base = chassis.front[0][1]
    # Two scissor packs standing on the chassis's top, the far one in shadow.
    for depth, shade in ((0.85, 0.6), (0.2, 1.0)):
        ox, oy = _depth(d * depth)
        steps = 3
        for step in range(steps):
            y0 = base - step * lift / steps + oy
            y1 = y0 - lift / steps
            left, right = x + 30 + ox, x + w - 30 + ox
            _line(c, [(left, y0), (right, y1)], _shade((60, 62, 66), shade), 10)
            _line(c, [(left, y1), (right, y0)], _shade((60, 62, 66), shade), 10)
    platform = _box(c, x - 20, base - lift, w + 40, 30, d + 10, _shade(colour, 1.0))
    _rails(c, platform, 110, (220, 222, 224) if colour != FLEET[1] else (60, 62, 66))


def _boom_lift(c: Canvas, slug: str) -> None:
    """An articulated boom lift reaching up and to the left."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    colour = rng.choice(FLEET)
    x = rng.uniform(600, 680)
    _shadow(c, (x - 40, GROUND_Y - 60, x + 420, GROUND_Y + 25))
    _box(c, x, GROUND_Y - 40, 320, 80, 170, _shade(colour, 0.9))
    for u in (0.12, 0.88):
        _wheel(c, (x + 320 * u, GROUND_Y - 32), 44)
    turret = _box(c, x + 70, GROUND_Y - 120, 180, 110, 130, colour)
    pivot = _at(turret.front, 0.3, 0.2)
    elbow = (pivot[0] - rng.uniform(200, 260), pivot[1] - rng.uniform(260, 320))
    tip = (elbow[0] - rng.uniform(180, 240), elbow[1] - rng.uniform(40, 120))
    for start, end, width in ((pivot, elbow, 34), (elbow, tip, 26)):
        _line(c, [start, end], (60, 62, 66), width + 6)
        _line(c, [start, end], _shade(colour, 1.05), width)
    basket = _box(c, tip[0] - 110, tip[1] + 40, 160, 60, 90, _shade(colour, 0.95))
    _rails(c, basket, 80, (210, 212, 214))


UNITS: dict[str, tuple[float, float, float, bool]] = {
    # width, height, depth, on wheels
    "generators": (360, 230, 200, False),
    "power-heating": (360, 230, 200, False),
    "dehumidifiers": (220, 260, 160, True),
    "negative-pressure-units": (240, 220, 160, True),
    "distribution-boards": (200, 260, 110, False),
}


def _site_unit(c: Canvas, slug: str) -> None:
    """A boxy machine: generator on a skid, dehumidifier on wheels, distribution board."""
    rng = c.rng
    if slug == "construction-heaters":
        _heater(c)
        return
    _outdoor(c, GRAVEL)
    colour = rng.choice(FLEET)
    w, h, d, wheels = UNITS.get(slug, UNITS["generators"])
    x = (WIDTH - w) / 2 - 80 + rng.uniform(-60, 60)
    y = GROUND_Y - (24 if wheels else 40)
    _shadow(c, (x - 30, GROUND_Y - 60, x + w + d * 0.6 + 40, GROUND_Y + 22))
    if slug == "distribution-boards":
        for leg in (0.1, 0.9):
            _box(c, x + w * leg, GROUND_Y, 10, 120, 80, (60, 60, 64))
        y = GROUND_Y - 120
    elif not wheels:
        _box(c, x - 10, GROUND_Y, w + 20, 40, d + 10, (60, 62, 66))
    faces = _box(c, x, y, w, h, d, colour)
    if wheels:
        for u in (0.15, 0.85):
            _wheel(c, (x + w * u, GROUND_Y - 12), 16)
    for slot in range(8):
        _face_line(
            c,
            faces.side,
            (0.15, 0.2 + slot * 0.08),
            (0.85, 0.2 + slot * 0.08),
            _shade(colour, 0.5),
            2.5,
        )
    panel = _sub(faces.front, 0.1, 0.15, 0.55 if slug != "distribution-boards" else 0.9, 0.55)
    _poly(c, panel, (54, 56, 60))
    for socket in range(3):
        centre = _at(panel, 0.2 + socket * 0.3, 0.6)
        _ellipse(c, centre, 12, 12, (220, 120, 40) if socket else (70, 120, 180))
    if slug in ("dehumidifiers", "negative-pressure-units"):
        centre = _at(faces.front, 0.75, 0.7)
        _ellipse(c, centre, 38, 38, (70, 72, 76), (30, 30, 30), 2)
        _ellipse(c, centre, 26, 26, (40, 40, 42))
    _box(c, x + w * 0.35, y - h, w * 0.3, 10, d * 0.4, (90, 92, 96))


def _heater(c: Canvas) -> None:
    """Fan heaters in a cradle: a round grille facing the viewer."""
    rng = c.rng
    _indoor(c)
    colour = rng.choice(FLEET)
    for index in range(rng.choice((1, 2))):
        radius = 140 - index * 25
        centre = (400 + index * 400 + rng.uniform(-30, 30), GROUND_Y - 180 + index * 40)
        _shadow(c, (centre[0] - 140, centre[1] + 110, centre[0] + 240, centre[1] + 160))
        for leg in (-1, 1):
            _line(
                c,
                [
                    (centre[0] + leg * 70, centre[1]),
                    (centre[0] + leg * 120, centre[1] + radius + 34),
                ],
                (50, 50, 54),
                10,
            )
        _cylinder(c, centre, radius, 140, colour)
        for ring in (0.9, 0.7, 0.5, 0.3):
            _ellipse(c, centre, radius * ring, radius * ring, None, (50, 50, 54), 2.5)
        _line(
            c, [(centre[0] - radius, centre[1]), (centre[0] + radius, centre[1])], (50, 50, 54), 3
        )
        _line(
            c, [(centre[0], centre[1] - radius), (centre[0], centre[1] + radius)], (50, 50, 54), 3
        )
        _ellipse(c, centre, radius * 0.7, radius * 0.7, (255, 150, 60, 50))


def _mixer(c: Canvas, slug: str) -> None:
    """A drum concrete mixer on a stand with two wheels, mouth tipped up."""
    rng = c.rng
    _outdoor(c, GRAVEL)
    colour = rng.choice(FLEET)
    x = rng.uniform(480, 600)
    _shadow(c, (x - 220, GROUND_Y - 40, x + 260, GROUND_Y + 22))
    for leg in (-1, 1):
        _line(c, [(x, GROUND_Y - 260), (x + leg * 160, GROUND_Y - 20)], (60, 62, 66), 12)
    _wheel(c, (x - 170, GROUND_Y - 36), 36)
    angle = math.radians(-35)
    centre = (x, GROUND_Y - 330)
    axis = (math.cos(angle), math.sin(angle))
    normal = (-axis[1], axis[0])
    body = []
    for along, half in ((-120, 70), (-80, 130), (60, 120), (140, 70)):
        body.append(
            (
                centre[0] + axis[0] * along + normal[0] * half,
                centre[1] + axis[1] * along + normal[1] * half,
            )
        )
    for along, half in ((140, -70), (60, -120), (-80, -130), (-120, -70)):
        body.append(
            (
                centre[0] + axis[0] * along + normal[0] * half,
                centre[1] + axis[1] * along + normal[1] * half,
            )
        )
    _poly(c, body, colour, _shade(colour, 0.6))
    _poly(c, body[2:6], _shade(colour, 0.8))
    mouth = (centre[0] + axis[0] * 140, centre[1] + axis[1] * 140)
    _poly(c, _rotated_ellipse(mouth, 24, 70, angle), (50, 48, 46), _shade(colour, 0.6))
    _line(
        c,
        [
            (centre[0] + normal[0] * -110, centre[1] + normal[1] * -110),
            (centre[0] + normal[0] * 110, centre[1] + normal[1] * 110),
        ],
        _shade(colour, 0.7),
        8,
    )
    _wheel(c, (x + 170, GROUND_Y - 36), 36)


def _compactor(c: Canvas) -> None:
    rng = c.rng
    colour = rng.choice(FLEET)
    x = rng.uniform(400, 480)
    _shadow(c, (x - 30, GROUND_Y - 40, x + 420, GROUND_Y + 22))
    _line(c, [(x + 40, GROUND_Y - 60), (x - 140, GROUND_Y - 330)], (50, 50, 54), 10)
    _line(c, [(x - 160, GROUND_Y - 320), (x - 120, GROUND_Y - 345)], (30, 30, 30), 16)
    _box(c, x, GROUND_Y, 300, 28, 200, (70, 72, 76))
    _box(c, x + 50, GROUND_Y - 28, 200, 130, 150, colour)
    _cylinder(c, (x + 120, GROUND_Y - 180), 40, 120, _shade(colour, 0.9))


def _hammer(c: Canvas) -> None:
    rng = c.rng
    colour = rng.choice(FLEET)
    case = _box(c, 260, GROUND_Y, 520, 90, 240, (60, 62, 66))
    _poly(c, _sub(case.front, 0.42, 0.3, 0.58, 0.5), (90, 92, 96))
    x = rng.uniform(830, 880)
    _shadow(c, (x - 80, GROUND_Y - 20, x + 120, GROUND_Y + 20))
    _line(c, [(x, GROUND_Y - 10), (x, GROUND_Y - 130)], (170, 172, 176), 12)
    _rect(
        c, (x - 40, GROUND_Y - 420, x + 40, GROUND_Y - 130), colour, _shade(colour, 0.6), radius=18
    )
    _rect(c, (x - 100, GROUND_Y - 470, x + 100, GROUND_Y - 430), (40, 40, 42), radius=14)
    _line(c, [(x, GROUND_Y - 430), (x, GROUND_Y - 420)], (40, 40, 42), 20)


def _laser(c: Canvas) -> None:
    rng = c.rng
    x = rng.uniform(500, 620)
    _shadow(c, (x - 180, GROUND_Y - 20, x + 200, GROUND_Y + 20), 80)
    for leg in (-170, 20, 170):
        _line(
            c,
            [(x, GROUND_Y - 380), (x + leg, GROUND_Y + (8 if leg == 20 else 0))],
            (200, 170, 60),
            8,
        )
    _rect(c, (x - 60, GROUND_Y - 400, x + 60, GROUND_Y - 380), (60, 60, 62))
    body = rng.choice(((220, 60, 50), (236, 190, 44)))
    _rect(c, (x - 50, GROUND_Y - 520, x + 50, GROUND_Y - 400), body, _shade(body, 0.6), radius=12)
    _rect(c, (x - 30, GROUND_Y - 570, x + 30, GROUND_Y - 520), (70, 150, 110, 200), radius=6)
    _line(c, [(x + 30, GROUND_Y - 545), (WIDTH, GROUND_Y - 560)], (255, 60, 60, 90), 2)


def _hoist(c: Canvas) -> None:
    rng = c.rng
    _line(c, [(0, 160), (WIDTH, 160)], (60, 62, 66), 18)
    x = rng.uniform(500, 640)
    colour = rng.choice(FLEET)
    _line(c, [(x, 160), (x, 220)], (80, 80, 80), 6)
    _rect(c, (x - 70, 220, x + 70, 360), colour, _shade(colour, 0.6), radius=30)
    for link in range(12):
        y = 370 + link * 22
        _ellipse(c, (x + 30, y), 6 if link % 2 else 3, 11, None, (90, 90, 92), 3)
        _ellipse(c, (x - 40, y - 60), 6 if link % 2 else 3, 11, None, (90, 90, 92), 3)
    _line(c, [(x + 30, 640), (x + 30, 670), (x + 10, 680), (x - 5, 660)], (200, 160, 40), 8)


def _pallet_jack(c: Canvas) -> None:
    rng = c.rng
    colour = rng.choice(FLEET)
    x = rng.uniform(320, 420)
    _shadow(c, (x - 30, GROUND_Y - 40, x + 700, GROUND_Y + 22))
    for fork in (0, 1):
        _box(c, x + fork * 130, GROUND_Y - fork * 0, 70, 20, 620, _shade(colour, 0.95 - fork * 0.1))
    _box(c, x - 20, GROUND_Y, 230, 110, 60, colour)
    _line(c, [(x + 90, GROUND_Y - 100), (x - 60, GROUND_Y - 420)], (50, 50, 54), 12)
    _ellipse(c, (x - 70, GROUND_Y - 445), 40, 28, None, (30, 30, 32), 10)
    _wheel(c, (x + 90, GROUND_Y - 4), 24)


def _core_drill(c: Canvas) -> None:
    """A diamond core drill on its stand, bit down."""
    rng = c.rng
    colour = rng.choice(FLEET)
    x = rng.uniform(460, 560)
    _shadow(c, (x - 60, GROUND_Y - 40, x + 360, GROUND_Y + 22))
    _box(c, x, GROUND_Y, 260, 24, 200, (70, 72, 76))
    column = _box(c, x + 150, GROUND_Y - 24, 30, 520, 30, (150, 154, 160))
    motor = _box(c, x + 30, GROUND_Y - 300, 150, 170, 110, colour)
    bit_x = _at(motor.front, 0.4, 1)[0]
    _rect(
        c, (bit_x - 28, GROUND_Y - 300, bit_x + 28, GROUND_Y - 60), (176, 180, 184), (110, 112, 116)
    )
    _rect(c, (bit_x - 30, GROUND_Y - 80, bit_x + 30, GROUND_Y - 56), (90, 92, 96))
    grip = _at(column.side, 0.5, 0.5)
    _line(c, [grip, (grip[0] + 150, grip[1] - 40)], (40, 40, 42), 10)


def _tile_cutter(c: Canvas) -> None:
    """A manual tile cutter: a long bed, twin rails and the scoring handle, a tile on the bed."""
    rng = c.rng
    colour = rng.choice(FLEET)
    x = rng.uniform(240, 320)
    _shadow(c, (x - 40, GROUND_Y - 60, x + 780, GROUND_Y + 22))
    bed = _box(c, x, GROUND_Y, 640, 40, 200, colour)
    _box(c, x + 160, GROUND_Y - 80, 300, 8, 150, (236, 232, 224))
    for v in (0.35, 0.65):
        start, end = _at(bed.top, 0, v), _at(bed.top, 1, v)
        _line(c, [(start[0], start[1] - 60), (end[0], end[1] - 60)], (190, 194, 198), 8)
        for post in (start, end):
            _line(c, [post, (post[0], post[1] - 60)], (60, 62, 66), 8)
    pivot = _at(bed.top, 0.55, 0.5)
    _line(c, [(pivot[0], pivot[1] - 60), (pivot[0] - 60, pivot[1] - 240)], (40, 40, 42), 14)


TOOLS: dict[str, Callable[[Canvas], None]] = {
    "plate-compactors": _compactor,
    "demolition-hammers": _hammer,
    "laser-levels": _laser,
    "chain-hoists": _hoist,
    "pallet-jacks": _pallet_jack,
    "core-drills": _core_drill,
    "tile-cutters": _tile_cutter,
}


def _tools(c: Canvas, slug: str) -> None:
    if slug in ("chain-hoists",):
        _indoor(c)
    else:
        _outdoor(c, GRAVEL)
    TOOLS.get(slug, _hammer)(c)


def _wrapped_goods(c: Canvas, slug: str) -> None:
    """The fallback: cartons on pallets under stretch film, tinted with the slug's colour."""
    rng = c.rng
    _outdoor(c, ASPHALT)
    tint = slug_colour(slug)
    x = rng.uniform(160, 240)
    for _ in range(2):
        _shadow(c, (x - 30, GROUND_Y - 90, x + 470, GROUND_Y + 25))
        _pallet(c, x, GROUND_Y, 320, 220)
        y = GROUND_Y - 39
        for _layer in range(rng.randint(2, 3)):
            height = rng.uniform(80, 110)
            for carton in range(2):
                faces = _box(c, x + 6 + carton * 154, y, 150, height, 210, _vary(rng, tint, 12))
                _face_line(c, faces.top, (0.5, 0), (0.5, 1), _shade(tint, 0.7), 3)
            y -= height
        film = _faces(x + 2, GROUND_Y - 36, 316, GROUND_Y - 36 - y + 4, 214)
        _poly(c, film.front, (255, 255, 255, 34))
        _poly(c, _sub(film.front, 0.1, 0, 0.22, 1), (255, 255, 255, 40))
        x += rng.uniform(430, 470)


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
