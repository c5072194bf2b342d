"""Painters for building components (doors, windows, radiators, sanitary ware, lamps) and
furniture and shop fittings."""

from __future__ import annotations

import math

from marketplace.demo.photos.drawing import (
    CONCRETE_FLOOR,
    OAK_FLOOR,
    RGB,
    WHITE,
    WIDTH,
    Canvas,
    Faces,
    _at,
    _box,
    _ellipse,
    _face_line,
    _faces,
    _indoor,
    _line,
    _poly,
    _rect,
    _shade,
    _shadow,
    _sub,
    _vary,
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
