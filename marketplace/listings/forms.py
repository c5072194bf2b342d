from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from marketplace.core.inputs import EUROS, MASS_KG, QUANTITY
from marketplace.models import Condition, HazardStatus
from marketplace.sites.forms import SiteForm
from marketplace.web.fields import DecimalCommaField
from marketplace.web.forms import Form, language_field
from marketplace.web.labels import choices

NEW_SITE = "new"


class ListingForm(Form):
    title = StringField(
        _l("Title"),
        validators=[InputRequired(), Length(min=3, max=120)],
        description=_l("What it is, briefly: “Mineral wool 50 mm, 40 m²”."),
    )
    category_id = SelectField(_l("Category"), choices=[], validators=[InputRequired()])
    description = TextAreaField(
        _l("Description"), validators=[Length(max=5000)], render_kw={"rows": 5}
    )
    language = language_field(_l("Language of the text"))
    condition = SelectField(_l("Condition"), choices=choices(Condition), validators=[Optional()])
    quantity = DecimalCommaField(_l("Quantity"), limits=QUANTITY, validators=[InputRequired()])
    unit = SelectField(_l("Unit"), choices=[])
    mass_per_unit_kg = DecimalCommaField(
        _l("Mass per unit, kg (optional)"),
        limits=MASS_KG,
        validators=[Optional()],
        description=_l("Leave empty to use the category's typical mass."),
    )
    price_model = RadioField(_l("Price"), choices=[])
    price_euros = DecimalCommaField(_l("Price, €"), limits=EUROS, validators=[Optional()])
    week_price_euros = DecimalCommaField(
        _l("Price per week, €"), limits=EUROS, validators=[Optional()]
    )
    deposit_euros = DecimalCommaField(_l("Deposit, €"), limits=EUROS, validators=[Optional()])
    min_rental_days = IntegerField(
        _l("Minimum hire, days"), validators=[Optional(), NumberRange(min=1, max=365)]
    )
    free_cancellation_hours = IntegerField(
        _l("Free cancellation until, hours before pickup"),
        default=24,
        validators=[Optional(), NumberRange(min=0, max=720)],
        description=_l("A buyer who paid online and cancels later than this is not refunded."),
    )
    available_from = DateField(_l("Available from"), validators=[InputRequired()])
    available_until = DateField(_l("Available until (optional)"), validators=[Optional()])
    site_id = SelectField(_l("Pickup place"), choices=[])
    pickup_instructions = TextAreaField(
        _l("Pickup instructions"),
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
        description=_l("Times, gate codes, tools or a van needed, whom to ask on site."),
    )
    delivery_possible = BooleanField(_l("Delivery can be arranged"))
    demolition_material = BooleanField(_l("This is demolition material"))
    hazard_status = SelectField(
        _l("Hazard declaration"),
        validators=[Optional()],
        choices=[SelectChoice("", _l("Choose…")), *choices(HazardStatus)],
    )
    hazard_notes = StringField(
        _l("Survey or test (optional)"),
        validators=[Length(max=500)],
        description=_l(
            "For example “Asbestos survey 3/2026 by an accredited laboratory, no findings”."
        ),
    )
    camera_photos = MultipleFileField(_l("Take a photo"))
    photos = MultipleFileField(_l("Choose photos"))


class NewPlaceForm(SiteForm):
    """A pickup place entered together with a listing, for residents without a saved site."""

    class Meta:
        csrf = False


class PhotoUploadForm(Form):
    camera_photos = MultipleFileField(_l("Take a photo"))
    photos = MultipleFileField(_l("Choose photos"))
