"""Form fields that fit how people in Finland type, and the text rules every text field
gets (see `guard_text`)."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import (
    DecimalField,
    Field,
    FloatField,
    Form,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.widgets import TextInput

from marketplace.core.inputs import (
    Limits,
    NumberProblem,
    normalise_newlines,
    number_message,
    text_problem,
)
from marketplace.core.money import parse_decimal


class DecimalCommaFloatField(FloatField):
    """A number field that accepts "60,2172" as well as "60.2172": Finnish and Swedish write a
    decimal comma, and phones offer it on their decimal keypads. A type="number" input would
    refuse the comma in some browsers, so this is a text input with a decimal keypad."""

    widget = TextInput()
    data: Any  # a float once processed; None when empty or refused

    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(*args, **kwargs)
        self.limits = limits

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = float(parse_decimal(str(valuelist[0]), self.limits))
        except NumberProblem as problem:
            self.data = None
            if problem.problem == "format":
                raise ValueError(_l("Enter a number, like 60.2172.")) from problem
            raise ValueError(number_message(problem, self.label.text)) from problem


class DecimalCommaField(DecimalField):
    """An exact decimal (quantities, prices) typed with a comma or a point, on a text input
    with a decimal keypad, within its `limits` (marketplace.core.inputs) before anything computes
    with it."""

    widget = TextInput()

    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(*args, **kwargs)
        self.limits = limits

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_decimal(str(valuelist[0]), self.limits)
        except NumberProblem as problem:
            self.data = None
            if problem.problem == "format":
                raise ValueError(_l("Enter a number, like 12,5.")) from problem
            raise ValueError(number_message(problem, self.label.text)) from problem

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        return str(format_decimal(self.data, format="0.###"))


class SafeText:
    """Refuses control, bidirectional and invisible characters (marketplace.core.inputs): they
    break other people's screens and mail. Multi-line text may hold line breaks and tabs."""

    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, form: Form, field: Field) -> None:
        if not isinstance(field.data, str):
            return
        problem = text_problem(field.data, multiline=self.multiline)
        if problem is None:
            return
        if problem.line_break:
            raise ValidationError(_l("Write this on one line."))
        raise ValidationError(
            _l(
                "Remove the hidden character %(code)s (character %(position)d): "
                "it may have come along with copied text.",
                code=problem.code,
                position=problem.position,
            )
        )


def guard_text(field: Field) -> Field:
    """Give a bound field the text rules: every text input is one line, every text area keeps
    its line breaks as LF. Passwords are never shown or mailed, and hidden fields are read by
    code that checks them itself (a redirect target, a saved query), so both pass as sent."""
    if not isinstance(field, StringField) or isinstance(field, PasswordField | HiddenField):
        return field
    multiline = isinstance(field, TextAreaField)
    if multiline:
        field.filters = (normalise_newlines, *field.filters)
    field.validators = [*field.validators, SafeText(multiline)]
    return field
