"""Painters for materials: brick and block stacks, timber, sheets, rolls, slabs, heaps,
tiles, glass, steel and cable."""

from __future__ import annotations

import math

from marketplace.demo.photos.drawing import (
    ASPHALT,
    GRAVEL,
    GROUND_Y,
    HEIGHT,
    PINE,
    RGB,
    WHITE,
    WIDTH,
    Canvas,
    Point,
    Quad,
    _alpha,
    _at,
    _box,
    _cylinder,
    _depth,
    _ellipse,
    _extrude,
    _face_line,
    _faces,
    _grain,
    _indoor,
    _line,
    _mix,
    _outdoor,
    _pallet,
    _poly,
    _rect,
    _shade,
    _shadow,
    _speckle,
    _strap,
    _sub,
    _tile,
    _vary,
)

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
