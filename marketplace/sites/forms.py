from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from marketplace.core.inputs import LATITUDE, LONGITUDE
from marketplace.sites.services import SiteDetails
from marketplace.web.fields import DecimalCommaFloatField
from marketplace.web.forms import Form


class SiteForm(Form):
    owner = SelectField(_l("Whose site is this?"), choices=[], validate_choice=True)
    name = StringField(
        _l("Name"),
        validators=[InputRequired(), Length(max=120)],
        description=_l("For example “Kera block 3 building site” or “Home”."),
    )
    address = StringField(
        _l("Street address"),
        validators=[InputRequired(), Length(max=200)],
        render_kw={"autocomplete": "street-address"},
    )
    postal_code = StringField(
        _l("Postal code"),
        validators=[
            InputRequired(),
            Regexp(r"^\d{5}$", message=_l("A Finnish postal code has five digits, like 02610.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5},
    )
    city = StringField(
        _l("City"),
        validators=[InputRequired(), Length(max=80)],
        default="Espoo",
        render_kw={"autocomplete": "address-level2"},
    )
    latitude = DecimalCommaFloatField(
        _l("Latitude"),
        limits=LATITUDE,
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal"},
    )
    longitude = DecimalCommaFloatField(
        _l("Longitude"),
        limits=LONGITUDE,
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal"},
    )
    active_from = DateField(_l("In use from (optional)"), validators=[Optional()])
    active_until = DateField(
        _l("In use until (optional)"),
        validators=[Optional()],
        description=_l(
            "Building sites close; after this date the site is no longer offered for new listings."
        ),
    )

    def details(self) -> SiteDetails:
        return SiteDetails(
            name=self.name.data or "",
            address=self.address.data or "",
            postal_code=self.postal_code.data or "",
            city=self.city.data or "",
            latitude=float(self.latitude.data),
            longitude=float(self.longitude.data),
            active_from=self.active_from.data,
            active_until=self.active_until.data,
        )
