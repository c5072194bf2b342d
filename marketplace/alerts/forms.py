from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length

from marketplace.models import AlertFrequency
from marketplace.web.forms import Form

FREQUENCY_LABELS = {
    AlertFrequency.INSTANT: _l("At once, when something new is listed"),
    AlertFrequency.DAILY: _l("Once a day"),
    AlertFrequency.WEEKLY: _l("Once a week"),
}


class SavedSearchForm(Form):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(), Length(max=120)],
        description=_l("So that you recognise the search in alerts."),
    )
    frequency = RadioField(
        _l("How often to alert you"),
        choices=[SelectChoice(f.value, label) for f, label in FREQUENCY_LABELS.items()],
        default=AlertFrequency.DAILY.value,
        validators=[InputRequired()],
    )
    by_email = BooleanField(_l("Also by e-mail"), default=True)


class NewSavedSearchForm(SavedSearchForm):
    # The search's query string, as the search page's address had it.
    query = HiddenField()
