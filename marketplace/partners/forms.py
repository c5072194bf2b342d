from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.models import DeliveryStatus, FeedFormat, SyncStatus
from marketplace.partners.feeds import MAX_INTERVAL, MIN_INTERVAL
from marketplace.partners.keys import SCOPES
from marketplace.partners.webhooks import EVENTS
from marketplace.web.forms import Form

SCOPE_LABELS = {
    "inventory:read": _l("Read the inventory"),
    "inventory:write": _l("Change the inventory"),
    "reservations:read": _l("Read reservations"),
    "reservations:write": _l("Accept, decline and complete reservations"),
    "webhooks:manage": _l("Manage webhooks"),
}
EVENT_LABELS = {
    "reservation.requested": _l("A reservation is requested"),
    "reservation.accepted": _l("A reservation is accepted"),
    "reservation.declined": _l("A reservation is declined"),
    "reservation.cancelled": _l("A reservation is cancelled"),
    "reservation.expired": _l("A reservation expires"),
    "reservation.completed": _l("An item is handed over"),
    "payment.succeeded": _l("A payment succeeds"),
    "payment.refunded": _l("A payment is refunded"),
}
# Shown as badges on the partner's pages; the API and the database keep the plain values.
STATUS_LABELS = {
    SyncStatus.SUCCEEDED: _l("succeeded"),
    SyncStatus.PARTIAL: _l("partly failed"),
    SyncStatus.FAILED: _l("failed"),
    DeliveryStatus.PENDING: _l("pending"),
    DeliveryStatus.DELIVERED: _l("delivered"),
    DeliveryStatus.CANCELLED: _l("cancelled"),
}
FORMAT_LABELS = {
    FeedFormat.AUTO: _l("Recognise it"),
    FeedFormat.CSV: _l("CSV"),
    FeedFormat.JSON: _l("JSON"),
}


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class KeyForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What the key is for, e.g. “ERP sync”."),
    )
    scopes = Checkboxes(
        _l("What the key may do"),
        choices=[SelectChoice(scope, SCOPE_LABELS[scope]) for scope in SCOPES],
        default=list(SCOPES),
        validators=[DataRequired()],
    )


class ChosenForm(Form):
    """A button that acts on one object, named in a hidden field."""

    target = HiddenField(validators=[InputRequired()])


class WebhookForm(Form):
    url = URLField(
        _l("URL that receives the events"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("An https address of your system."),
    )
    description = StringField(_l("Description (optional)"), validators=[Length(max=200)])
    events = Checkboxes(
        _l("Events"),
        choices=[SelectChoice(event, EVENT_LABELS[event]) for event in EVENTS],
        default=list(EVENTS),
        validators=[DataRequired()],
    )


class FeedForm(Form):
    url = URLField(
        _l("Feed URL"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("A CSV or JSON file with your whole inventory."),
    )
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice(value.value, label) for value, label in FORMAT_LABELS.items()],
        default=FeedFormat.AUTO.value,
    )
    interval_minutes = IntegerField(
        _l("Pull every (minutes)"),
        default=60,
        validators=[InputRequired(), NumberRange(MIN_INTERVAL, MAX_INTERVAL)],
    )
    enabled = BooleanField(_l("Pull on schedule"), default=True, validators=[Optional()])
