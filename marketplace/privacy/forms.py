from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length

from marketplace.web.forms import Form


class AcceptTermsForm(Form):
    accept = BooleanField(
        _l("I accept the terms of use, and I have read the privacy notice."),
        validators=[DataRequired(message=_l("Accept the terms of use to go on."))],
    )
    next = HiddenField()


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account is deleted for good and cannot be brought back."),
        validators=[DataRequired(message=_l("Confirm that you want to delete your account."))],
    )
