"""Form pieces shared by every feature."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from marketplace.errors import MarketplaceError
from marketplace.web import form_messages
from marketplace.web.fields import guard_text

# Each language is named in itself, so a user can find theirs whatever the page's language.
LANGUAGE_CHOICES = [("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]


class Form(FlaskForm):
    """The base of every form in the product, so that what all forms share is said once."""

    class Meta(FlaskForm.Meta):
        # WTForms' built-in messages in the product's words and the page's language.
        csrf_class = form_messages.CSRF

        def get_translations(self, form: Any) -> form_messages.Translations:
            return form_messages.translations

        def bind_field(self, form: Any, unbound_field: Any, options: Any) -> Any:
            # Every text field of every form gets the product's text rules.
            return guard_text(super().bind_field(form, unbound_field, options))


def language_field(label: Any = None) -> Any:
    options = [
        SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_CHOICES
    ]
    return SelectField(label or _l("Language"), choices=options, default="fi")


def attach_error(form: FlaskForm, error: MarketplaceError, fallback_field: str) -> None:
    """Show a service's error beside the field it names (or a fallback field)."""
    name = error.field if error.field in form._fields else fallback_field
    form[name].errors = [*form[name].errors, str(error.message)]


def status_for(form: FlaskForm) -> int:
    """Forms with errors answer 422, so that clients and tests can tell a refusal apart."""
    return 422 if form.errors else 200
