"""The demo photos' drawing kit: the canvas and its projection, colours, primitives
(boxes, cylinders, soft shadows), backgrounds, and objects many pictures share (pallets,
straps, wood grain)."""

from __future__ import annotations

import colorsys
import hashlib
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

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
