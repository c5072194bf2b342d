from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from marketplace.core.inputs import QUANTITY
from marketplace.web.fields import DecimalCommaField
from marketplace.web.forms import Form


def _request_id() -> str:
    # Sent back with the form, so that a double tap or a resent form makes one reservation.
    # At most 64 characters, as the column holds: PostgreSQL would cut a longer key short.
    return uuid.uuid4().hex


class MaterialReservationForm(Form):
    quantity = DecimalCommaField(_l("How much"), limits=QUANTITY, validators=[InputRequired()])
    pickup_date = DateField(_l("Pickup day"), validators=[InputRequired()])
    pickup_time = TimeField(_l("Pickup time"), validators=[InputRequired()])
    message = TextAreaField(
        _l("Message to the lister (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    request_id = HiddenField(default=_request_id, validators=[Length(max=64)])


class BookingForm(Form):
    start = DateField(_l("Pick-up day"), validators=[InputRequired()])
    end = DateField(
        _l("Return day"),
        validators=[InputRequired()],
        description=_l("Both the pick-up and the return day are charged."),
    )
    units = IntegerField(
        _l("Units"), default=1, validators=[InputRequired(), NumberRange(min=1, max=1000)]
    )
    message = TextAreaField(
        _l("Message to the lister (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    request_id = HiddenField(default=_request_id, validators=[Length(max=64)])


class ReasonForm(Form):
    reason = TextAreaField(
        _l("Reason (optional, shown to the other party)"),
        validators=[Optional(), Length(max=500)],
        render_kw={"rows": 2},
    )


class HandoverForm(Form):
    code = StringField(
        _l("Pickup code"),
        validators=[InputRequired(), Length(max=12)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class MessageForm(Form):
    text = TextAreaField(
        _l("Message"), validators=[InputRequired(), Length(max=2000)], render_kw={"rows": 3}
    )
