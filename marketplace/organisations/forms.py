from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

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


class TraderDetailsForm(Form):
    """The trader's details that buyers see on the organisation's listings (DSA Art. 30)."""

    street_address = StringField(
        _l("Street address"),
        validators=[InputRequired(), Length(max=200)],
        render_kw={"autocomplete": "street-address"},
    )
    postal_code = StringField(
        _l("Postal code"),
        validators=[InputRequired(), Length(max=10)],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    city = StringField(
        _l("City"),
        validators=[InputRequired(), Length(max=80)],
        render_kw={"autocomplete": "address-level2"},
    )
    phone = TelField(
        _l("Phone"),
        validators=[InputRequired(), Length(max=40)],
        render_kw={"autocomplete": "tel"},
    )
    email = EmailField(
        _l("E-mail address for customers"),
        validators=[
            InputRequired(),
            Length(max=254),
            Email(message=_l("Enter an e-mail address like name@example.fi.")),
        ],
        render_kw={"autocomplete": "email"},
    )
    trade_register_number = StringField(
        _l("Trade register number"),
        validators=[Optional(), Length(max=40)],
        description=_l(
            "If the organisation is in a trade register under another number than its "
            "business ID, give it here."
        ),
    )
    certify = BooleanField(
        _l(
            "I confirm that the organisation offers only goods and services that comply with "
            "the law, and that these details are correct."
        ),
        validators=[
            DataRequired(
                message=_l("Confirm that the organisation offers only lawful goods and services.")
            )
        ],
    )
