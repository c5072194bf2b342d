"""Form fields that fit how people in Finland type."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, FloatField
from wtforms.widgets import TextInput

from marketplace.money import parse_decimal


class DecimalCommaFloatField(FloatField):
    """A number field that accepts "60,2172" as well as "60.2172": Finnish and Swedish write a
    decimal comma, and phones offer it on their decimal keypads. A type="number" input would
    refuse the comma in some browsers, so this is a text input with a decimal keypad."""

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [str(valuelist[0]).strip().replace(",", ".").replace(" ", "")]
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a number, like 60.2172.")) from error


class DecimalCommaField(DecimalField):
    """An exact decimal (quantities, prices) typed with a comma or a point, on a text input
    with a decimal keypad."""

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_decimal(str(valuelist[0]))
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Enter a number, like 12,5.")) from error

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        return str(format_decimal(self.data, format="0.###"))
