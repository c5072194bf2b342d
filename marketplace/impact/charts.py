"""Bar charts drawn on the server as SVG: no script, readable without colour.

A chart is horizontal bars, one per row, each with its label above it and its value written at
its end, so that nothing depends on colour or on reading an axis, and it fits a phone. The
`chart` macro in templates/impact/_figures.html draws it; the same numbers go in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 360
ROW = 38
LABEL_Y = 13
BAR_Y = 18
BAR_HEIGHT = 14
VALUE_GAP = 4
# Room kept right of the longest bar for its value ("1 234 kg CO2e" in bold 12 px).
VALUE_ROOM = 96


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    width: float

    @property
    def label_y(self) -> int:
        return self.y + LABEL_Y

    @property
    def bar_y(self) -> int:
        return self.y + BAR_Y

    @property
    def value_x(self) -> float:
        return self.width + VALUE_GAP

    @property
    def value_y(self) -> int:
        return self.bar_y + BAR_HEIGHT - 3


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(ROW, ROW * len(self.bars))


def bar_chart(title: str, rows: Sequence[tuple[str, Decimal | int | float, str]]) -> Chart:
    """`rows` are (label, value, value as text). Bars are scaled to the largest value; a
    value of zero still shows its label and "0", with no bar."""
    largest = max((float(value) for _, value, _ in rows), default=0.0)
    room = WIDTH - VALUE_ROOM
    bars = [
        Bar(
            label=label,
            value_text=text,
            y=index * ROW,
            width=round(room * float(value) / largest, 1) if largest > 0 else 0.0,
        )
        for index, (label, value, text) in enumerate(rows)
    ]
    return Chart(title, bars)
