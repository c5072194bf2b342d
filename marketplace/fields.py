"""Form fields that fit how people in Finland type."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FloatField
from wtforms.widgets import TextInput


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
