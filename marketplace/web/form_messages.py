"""WTForms' and Flask-WTF's own messages, said in the product's words and translated with the
product's catalogue.

WTForms asks its form's Meta for translations and passes every built-in message through them
("This field is required.", "Not a valid time value.", …). Its own catalogues miss some of
them and word the rest in their own voice, so `marketplace.web.forms.Form` hands WTForms the
translations below instead: each built-in message maps to a product message marked here with
`_l()`, so that `pybabel extract` collects it. tests/test_i18n.py checks that every message the
installed WTForms and Flask-WTF can produce is in MESSAGES, so an upgrade cannot let English
through unnoticed. Flask-WTF's CSRF check raises plain English, so its errors are replaced too.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

CHOOSE_GIVEN = _l("Choose from the options given.")
NOT_EDITABLE = _l("This field cannot be changed.")
NUMBER = _l("Enter a number, like 12,5.")
CSRF_FAILED = _l("The form had expired or was sent from elsewhere. Please try again.")

MESSAGES: dict[str, Any] = {
    # wtforms.validators
    "This field is required.": _l("Fill in this field."),
    "Invalid field name '%s'.": _l("This form cannot be checked: it has no field %s."),
    "Field must be equal to %(other_name)s.": _l("The two entries do not match."),
    "Field must be at least %(min)d character long.": _l("Write at least one character."),
    "Field must be at least %(min)d characters long.": _l("Write at least %(min)d characters."),
    "Field cannot be longer than %(max)d character.": _l("Write at most one character."),
    "Field cannot be longer than %(max)d characters.": _l("Write at most %(max)d characters."),
    "Field must be exactly %(max)d character long.": _l("Write exactly one character."),
    "Field must be exactly %(max)d characters long.": _l("Write exactly %(max)d characters."),
    "Field must be between %(min)d and %(max)d characters long.": _l(
        "Write %(min)d to %(max)d characters."
    ),
    "Number must be at least %(min)s.": _l("Give a number of at least %(min)s."),
    "Number must be at most %(max)s.": _l("Give a number of at most %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Give a number from %(min)s to %(max)s."),
    "Date must be at least %(min)s.": _l("Choose a day on or after %(min)s."),
    "Date must be at most %(max)s.": _l("Choose a day on or before %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Choose a day from %(min)s to %(max)s."),
    "Invalid input.": _l("Check this value: it is not in the expected form."),
    "Invalid email address.": _l("Enter an e-mail address like name@example.fi."),
    "Invalid IP address.": _l("Enter an IP address, like 192.0.2.10."),
    "Invalid Mac address.": _l("Enter a MAC address, like 00:1a:2b:3c:4d:5e."),
    "Invalid URL.": _l("Enter a web address starting with https://."),
    "Invalid UUID.": _l("Enter an identifier in the form it was given to you."),
    "Invalid value, must be one of: %(values)s.": _l("Choose one of: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": _l("Choose something other than %(values)s."),
    "This field cannot be edited.": NOT_EDITABLE,
    "This field is disabled and cannot have a value.": NOT_EDITABLE,
    # wtforms.fields
    "Invalid Choice: could not coerce.": CHOOSE_GIVEN,
    "Choices cannot be None.": CHOOSE_GIVEN,
    "Not a valid choice.": CHOOSE_GIVEN,
    "Invalid choice(s): one or more data inputs could not be coerced.": CHOOSE_GIVEN,
    # Naming what was sent would echo the sender's text back; the options are on the page.
    "'%(value)s' is not a valid choice for this field.": CHOOSE_GIVEN,
    "'%(value)s' are not valid choices for this field.": CHOOSE_GIVEN,
    "Not a valid datetime value.": _l("Give a day and a time, like 2026-01-31 14:30."),
    "Not a valid date value.": _l("Give the date as YYYY-MM-DD, e.g. 2026-01-31."),
    "Not a valid time value.": _l("Give the time as HH:MM, e.g. 14:30."),
    "Not a valid week value.": _l("Give a week as YYYY-Www, e.g. 2026-W05."),
    "Not a valid integer value.": _l("Give a whole number, like 12."),
    "Not a valid decimal value.": NUMBER,
    "Not a valid float value.": NUMBER,
    # wtforms.csrf
    "Invalid CSRF Token.": CSRF_FAILED,
    "CSRF token missing.": CSRF_FAILED,
    "CSRF failed.": CSRF_FAILED,
    "CSRF token expired.": CSRF_FAILED,
    # flask_wtf.file
    "File does not have an approved extension: {extensions}": _l(
        "This kind of file is not accepted."
    ),
    "File does not have an approved extension.": _l("This kind of file is not accepted."),
}
# Flask-WTF builds this one with the sizes already in it, so it is recognised by its start.
FILE_SIZE_PREFIX = "File must be between "
FILE_SIZE = _l("The file is empty or too large.")


class Translations:
    """What WTForms calls for its messages: product wording in the page's language. Strings it
    does not know (a field's default label) go through the catalogue unchanged."""

    def gettext(self, string: str) -> str:
        found = MESSAGES.get(string)
        if found is not None:
            return str(found)
        if string.startswith(FILE_SIZE_PREFIX):
            return str(FILE_SIZE)
        return str(gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


translations = Translations()


class CSRF(FlaskForm.Meta.csrf_class):
    """Flask-WTF's form CSRF check, with its English reasons ("The CSRF token is missing.")
    replaced by the product's message. The reason still goes to Flask-WTF's log."""

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        try:
            super().validate_csrf_token(form, field)
        except ValidationError:
            raise ValidationError(str(CSRF_FAILED)) from None
