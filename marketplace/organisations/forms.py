from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from marketplace.models import MemberRole, OrganisationKind
from marketplace.web.forms import Form
from marketplace.web.labels import choices


class OrganisationForm(Form):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(), Length(max=120)],
        render_kw={"autocomplete": "organization"},
    )
    kind = SelectField(_l("Kind of organisation"), choices=choices(OrganisationKind))
    business_id = StringField(
        _l("Business ID (Y-tunnus)"),
        validators=[InputRequired(), Length(max=20)],
        description=_l("For example 1234567-8. You find it in the Finnish trade register (YTJ)."),
        render_kw={"inputmode": "numeric", "placeholder": "1234567-8"},
    )


class OrganisationEditForm(Form):
    name = OrganisationForm.name
    kind = OrganisationForm.kind


class AddMemberForm(Form):
    email = EmailField(
        _l("E-mail address of the person to add"),
        validators=[
            InputRequired(),
            Length(max=254),
            Email(message=_l("Enter an e-mail address like name@example.fi.")),
        ],
    )
    role = SelectField(_l("Role"), choices=choices(MemberRole), default=MemberRole.MEMBER.value)


class MemberRoleForm(Form):
    role = SelectField(_l("Role"), choices=choices(MemberRole))
