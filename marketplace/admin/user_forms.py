"""The forms of the users pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from marketplace.models import Role
from marketplace.moderation import grounds
from marketplace.web.forms import Form
from marketplace.web.labels import choices

INDEFINITELY = "indefinitely"
LENGTHS = (
    SelectChoice("1", _l("1 day")),
    SelectChoice("7", _l("1 week")),
    SelectChoice("30", _l("30 days")),
    SelectChoice("90", _l("90 days")),
    SelectChoice("365", _l("1 year")),
    SelectChoice(INDEFINITELY, _l("Indefinitely")),
)


def _ground_choices() -> list[SelectChoice]:
    return [
        choice if isinstance(choice, SelectChoice) else SelectChoice(*choice)
        for choice in grounds.choices()
    ]


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=choices(Role))


class SuspendForm(Form):
    length = SelectField(_l("Suspend for"), choices=list(LENGTHS), default="7")
    ground = SelectField(_l("Ground"), choices=_ground_choices())
    ground_detail = StringField(
        _l("Provision or clause, in your words"),
        validators=[Length(max=500)],
        description=_l("Needed when the ground is another provision or clause."),
    )
    facts = TextAreaField(
        _l("Facts"),
        validators=[InputRequired(), Length(min=10, max=5000)],
        description=_l("What the person did, as the statement of reasons will tell them."),
        render_kw={"rows": 4},
    )

    @property
    def days(self) -> int | None:
        return None if self.length.data == INDEFINITELY else int(self.length.data)
