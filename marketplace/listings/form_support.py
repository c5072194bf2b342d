"""Between the listing form and the listing services: choices in the user's language, and the
form's fields turned into ListingDetails."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage as Upload
from wtforms import SelectChoice

from marketplace.categories.services import family_tree
from marketplace.core.money import cents_from_euros, euros_from_cents
from marketplace.listings.forms import NEW_SITE, ListingForm
from marketplace.listings.photo_processing import PreparedPhoto, prepare_photo
from marketplace.listings.photo_service import check_room
from marketplace.listings.services import PRICE_MODELS, ListingDetails
from marketplace.models import (
    Category,
    CategoryKind,
    Condition,
    HazardStatus,
    Language,
    Listing,
    ListingKind,
    PriceModel,
    Site,
    Unit,
    User,
)
from marketplace.sites.services import usable_sites
from marketplace.web.labels import label

CATEGORY_KINDS = {
    ListingKind.MATERIAL: {CategoryKind.MATERIAL},
    ListingKind.EQUIPMENT: {CategoryKind.EQUIPMENT},
    ListingKind.WANTED: {CategoryKind.MATERIAL, CategoryKind.EQUIPMENT},
}


def _language() -> str:
    return str(get_locale() or "fi")


def _category_choice(category: Category, group: str, language: str, name: str) -> SelectChoice:
    return SelectChoice(
        str(category.id),
        name,
        optgroup=group,
        render_kw={
            "data-unit": category.default_unit.value,
            "data-mass": str(category.default_mass_kg or ""),
        },
    )


def category_choices(kind: ListingKind) -> list[SelectChoice]:
    language = _language()
    options = [SelectChoice("", _l("Choose a category"))]
    for family, types in family_tree():
        if family.kind not in CATEGORY_KINDS[kind]:
            continue
        group = family.name(language)
        options += [_category_choice(t, group, language, t.name(language)) for t in types]
        general = _l("%(family)s, other", family=group)
        options.append(_category_choice(family, group, language, str(general)))
    return options


def site_choices(user: User) -> list[SelectChoice]:
    options = []
    for site in usable_sites(user):
        owner = site.organisation.name if site.organisation else _l("personal")
        options.append(SelectChoice(str(site.id), f"{site.name} ({owner})"))
    options.append(SelectChoice(NEW_SITE, _l("A new place: enter its address below")))
    return options


def prepare_form(form: ListingForm, kind: ListingKind, user: User) -> None:
    form.category_id.choices = category_choices(kind)
    form.unit.choices = [
        SelectChoice(unit.value, label(unit))
        for unit in Unit
        if kind != ListingKind.EQUIPMENT or unit.whole_only
    ]
    form.price_model.choices = [
        SelectChoice(model.value, label(model))
        for model in PriceModel
        if model in PRICE_MODELS[kind]
    ]
    form.site_id.choices = site_choices(user)
    if form.price_model.data is None:
        form.price_model.data = (
            PriceModel.RENTAL if kind == ListingKind.EQUIPMENT else PriceModel.FREE
        ).value
    if form.site_id.data is None:
        form.site_id.data = form.site_id.choices[0].value


def details_from(form: ListingForm, kind: ListingKind, site_id: int) -> ListingDetails:
    return ListingDetails(
        kind=kind,
        site_id=site_id,
        category_id=int(form.category_id.data),
        title=form.title.data or "",
        description=form.description.data or "",
        language=Language(form.language.data),
        condition=Condition(form.condition.data) if form.condition.data else None,
        unit=Unit(form.unit.data),
        quantity=form.quantity.data if form.quantity.data is not None else Decimal(0),
        mass_per_unit_kg=form.mass_per_unit_kg.data,
        price_model=PriceModel(form.price_model.data),
        price_cents=cents_from_euros(form.price_euros.data),
        week_price_cents=cents_from_euros(form.week_price_euros.data),
        deposit_cents=cents_from_euros(form.deposit_euros.data),
        min_rental_days=form.min_rental_days.data,
        available_from=form.available_from.data,
        available_until=form.available_until.data,
        pickup_instructions=form.pickup_instructions.data or "",
        delivery_possible=bool(form.delivery_possible.data),
        demolition_material=bool(form.demolition_material.data),
        hazard_status=HazardStatus(form.hazard_status.data) if form.hazard_status.data else None,
        hazard_notes=form.hazard_notes.data or "",
        free_cancellation_hours=form.free_cancellation_hours.data
        if form.free_cancellation_hours.data is not None
        else 24,
    )


def fill_form(form: ListingForm, listing: Listing) -> None:
    """Show a listing's values in the edit form (prices back in euros)."""
    form.quantity.data = listing.quantity_total
    form.price_euros.data = euros_from_cents(listing.price_cents)
    form.week_price_euros.data = euros_from_cents(listing.week_price_cents)
    form.deposit_euros.data = euros_from_cents(listing.deposit_cents)
    form.site_id.data = str(listing.site_id)
    form.category_id.data = str(listing.category_id)


def uploaded_files(*fields: list[Upload] | None) -> list[bytes]:
    """The bytes of every file chosen in the given file fields; empty inputs are skipped."""
    files = [upload for field in fields for upload in (field or []) if upload and upload.filename]
    return [upload.read() for upload in files]


def prepare_uploads(uploads: list[bytes], existing: int = 0) -> list[PreparedPhoto]:
    """Verify every photo before anything is stored, so one bad file changes nothing."""
    check_room(existing, len(uploads))
    return [prepare_photo(data) for data in uploads]


def site_label(site: Site) -> str:
    return f"{site.name}, {site.city}"
