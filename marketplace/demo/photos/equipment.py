"""Painters for rental equipment: scaffolding, fencing, containers, lifts, site units,
heaters, mixers and tools."""

from __future__ import annotations

import math
from collections.abc import Callable

from marketplace.demo.photos.drawing import (
    ASPHALT,
    FLEET,
    GALVANISED,
    GRAVEL,
    GROUND_Y,
    PINE,
    WIDTH,
    Canvas,
    _at,
    _box,
    _cylinder,
    _depth,
    _ellipse,
    _face_line,
    _faces,
    _indoor,
    _line,
    _outdoor,
    _pallet,
    _poly,
    _rails,
    _rect,
    _rotated_ellipse,
    _shade,
    _shadow,
    _sub,
    _vary,
    _wheel,
    slug_colour,
)

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
