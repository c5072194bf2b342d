"""The server-drawn bar charts: bars scaled to the largest value, room left for the values."""

from __future__ import annotations

from decimal import Decimal

from marketplace.impact import charts


def test_bars_are_scaled_to_the_largest_value() -> None:
    chart = charts.bar_chart(
        "CO2e",
        [("June", Decimal(50), "50 kg"), ("July", Decimal(100), "100 kg"), ("May", 0, "0 kg")],
    )
    june, july, may = chart.bars
    assert july.width == charts.WIDTH - charts.VALUE_ROOM
    assert june.width == july.width / 2 and may.width == 0
    assert [bar.value_text for bar in chart.bars] == ["50 kg", "100 kg", "0 kg"]
    assert july.value_x + charts.VALUE_ROOM - charts.VALUE_GAP == charts.WIDTH
    assert [bar.y for bar in chart.bars] == [0, charts.ROW, 2 * charts.ROW]
    assert chart.height == 3 * charts.ROW


def test_nothing_to_draw_still_has_a_row() -> None:
    empty = charts.bar_chart("CO2e", [])
    assert empty.bars == [] and empty.height == charts.ROW
    zeros = charts.bar_chart("CO2e", [("May", 0, "0 kg")])
    assert zeros.bars[0].width == 0
