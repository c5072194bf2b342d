from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from marketplace.models import VerificationStatus
from marketplace.web.forms import Form

DECISIONS = (
    VerificationStatus.VERIFIED,
    VerificationStatus.REJECTED,
    VerificationStatus.UNVERIFIED,
)


class ActionForm(Form):
    """A button that does one thing: nothing but its CSRF token travels with it."""


class VerificationDecisionForm(Form):
    """An organisation's verification: the button pressed names the decision."""

    decision = StringField(
        validators=[InputRequired(), AnyOf([status.value for status in DECISIONS])]
    )
    note = TextAreaField(
        _l("Note to the organisation"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required when you refuse: tell the owners what to correct."),
    )
