from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from marketplace.web.forms import Form, language_field

_email_validators = [
    InputRequired(),
    Length(max=254),
    Email(message=_l("Enter an e-mail address like name@example.fi.")),
]


def _new_password(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(), Length(min=12, max=128)],
        render_kw={"autocomplete": "new-password"},
    )


def _password_again(other: str) -> PasswordField:
    return PasswordField(
        _l("Password again"),
        validators=[InputRequired(), EqualTo(other, message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class RegisterForm(Form):
    email = EmailField(
        _l("E-mail address"), validators=_email_validators, render_kw={"autocomplete": "email"}
    )
    display_name = StringField(
        _l("Name shown to others"),
        validators=[InputRequired(), Length(max=80)],
        render_kw={"autocomplete": "name"},
    )
    password = _new_password(_l("Password (at least 12 characters)"))
    password_again = _password_again("password")
    locale = language_field(_l("Preferred language"))
    accept_terms = BooleanField(
        _l("I accept the terms of use, and I have read the privacy notice."),
        validators=[DataRequired(message=_l("Accept the terms of use to create an account."))],
    )


class LoginForm(Form):
    email = EmailField(
        _l("E-mail address"), validators=_email_validators, render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("E-mail address"), validators=_email_validators, render_kw={"autocomplete": "email"}
    )


class ResetPasswordForm(Form):
    password = _new_password(_l("New password (at least 12 characters)"))
    password_again = _password_again("password")


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password(_l("New password (at least 12 characters)"))
    new_password_again = _password_again("new_password")


class ProfileForm(Form):
    display_name = StringField(
        _l("Name shown to others"), validators=[InputRequired(), Length(max=80)]
    )
    locale = language_field(_l("Preferred language"))
