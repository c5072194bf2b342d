from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from marketplace.core.clock import today_in_finland
from marketplace.core.inputs import row_id
from marketplace.errors import MarketplaceError
from marketplace.impact.estimates import estimate
from marketplace.listings import access, bp, browsing, photo_service, services
from marketplace.listings.form_support import (
    details_from,
    fill_form,
    prepare_form,
    prepare_uploads,
    uploaded_files,
)
from marketplace.listings.forms import NEW_SITE, ListingForm, NewPlaceForm, PhotoUploadForm
from marketplace.models import Listing, ListingKind, ListingStatus
from marketplace.web.forms import attach_error, status_for
from marketplace.web.links import safe_redirect_target
from marketplace.web.page_parts import parts_of
from marketplace.web.pages import Page


def _kind_or_404(value: str | None) -> ListingKind:
    try:
        return ListingKind(value or "")
    except ValueError:
        abort(404)


def _signed_in_user() -> object | None:
    return current_user if current_user.is_authenticated else None


@bp.get("/")
def browse() -> Page:
    """The search page. htmx asks for the results alone as the user types; its history
    restores and every other request get the whole page."""
    found = browsing.browse(request.args)
    fragment = "HX-Request" in request.headers and (
        "HX-History-Restore-Request" not in request.headers
    )
    template = "listings/_results.html" if fragment else "listings/browse.html"
    response = make_response(render_template(template, **browsing.context(found)))
    response.vary.add("HX-Request")
    if fragment:
        # The address bar shows the search in its short form, not every empty form field.
        response.headers["HX-Push-Url"] = found.url(page=found.page.query.page)
    return response


@bp.get("/<int:listing_id>")
def detail(listing_id: int) -> Page:
    viewer = _signed_in_user()
    listing = access.get_visible(listing_id, viewer)  # type: ignore[arg-type]
    signed_in = current_user.is_authenticated
    manager = signed_in and access.can_manage(listing, current_user)
    reservable = (
        listing.status == ListingStatus.ACTIVE
        and listing.kind != ListingKind.WANTED
        and not manager
    )
    return render_template(
        "listings/detail.html",
        listing=listing,
        manager=manager,
        place=access.place_for(listing, viewer),  # type: ignore[arg-type]
        impact=estimate(_estimated_quantity(listing), listing.mass_per_unit_kg, listing.category),
        reservable=reservable,
        **parts_of("listings/detail.html", listing, reservable),
    )


def _estimated_quantity(listing: Listing) -> Decimal:
    if listing.kind == ListingKind.MATERIAL:
        return listing.quantity_available
    return listing.quantity_total


@bp.get("/new")
@login_required
def choose_kind() -> Page:
    if request.args.get("kind"):
        form = ListingForm(
            formdata=None,
            available_from=today_in_finland(),
            language=str(current_user.locale),
        )
        return _edit_page(form, _kind_or_404(request.args["kind"]))
    return render_template("listings/choose_kind.html")


def _edit_page(
    form: ListingForm,
    kind: ListingKind,
    listing: Listing | None = None,
    place: NewPlaceForm | None = None,
) -> Page:
    prepare_form(form, kind, current_user)
    if place is None:
        place = NewPlaceForm(prefix="place", formdata=None)
    del place.owner
    status = 422 if form.errors or place.errors else 200
    return render_template(
        "listings/form.html", form=form, kind=kind, listing=listing, place=place, new_site=NEW_SITE
    ), status


def _attach(form: ListingForm, place: NewPlaceForm, error: MarketplaceError) -> None:
    if error.field and error.field.startswith("place-"):
        name = error.field.removeprefix("place-")
        place[name].errors = [*place[name].errors, str(error.message)]
    else:
        attach_error(form, error, "title")


@bp.post("/new")
@login_required
def create() -> Page:
    kind = _kind_or_404(request.args.get("kind"))
    form = ListingForm()
    prepare_form(form, kind, current_user)
    place = NewPlaceForm(prefix="place")
    del place.owner
    new_place = form.site_id.data == NEW_SITE
    if not form.validate() or (new_place and not place.validate()):
        return _edit_page(form, kind, place=place)
    try:
        photos = prepare_uploads(uploaded_files(form.camera_photos.data, form.photos.data))
        listing = services.create_listing(
            current_user,
            details_from(form, kind, 0 if new_place else int(form.site_id.data)),
            photos=photos,
            publish=request.form.get("action") == "publish",
            new_place=place.details() if new_place else None,
        )
    except MarketplaceError as error:
        _attach(form, place, error)
        return _edit_page(form, kind, place=place)
    if listing.status == ListingStatus.ACTIVE:
        flash(_("Your listing is published."), "success")
    elif listing.status == ListingStatus.PENDING_REVIEW:
        flash(str(HELD_FOR_REVIEW), "success")
    else:
        flash(_("Your listing is saved as a draft. Publish it when it is ready."), "success")
    return redirect(url_for(".detail", listing_id=listing.id))


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id: int) -> Page:
    listing = access.get_manageable(listing_id, current_user)
    form = ListingForm(obj=listing)
    if request.method == "GET":
        fill_form(form, listing)
    prepare_form(form, listing.kind, current_user)
    if form.site_id.data == NEW_SITE:
        form.site_id.errors = [_("Add new places on the Sites page, then choose one here.")]
    elif form.validate_on_submit():
        try:
            services.update_listing(
                listing, current_user, details_from(form, listing.kind, int(form.site_id.data))
            )
        except MarketplaceError as error:
            attach_error(form, error, "title")
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for(".detail", listing_id=listing.id))
    return _edit_page(form, listing.kind, listing)


@bp.route("/<int:listing_id>/photos", methods=["GET", "POST"])
@login_required
def photos(listing_id: int) -> Page:
    listing = access.get_manageable(listing_id, current_user)
    form = PhotoUploadForm()
    uploads = uploaded_files(form.camera_photos.data, form.photos.data)
    if form.validate_on_submit() and not uploads:
        form.photos.errors = [_("Choose at least one photo.")]
    elif form.validate_on_submit():
        try:
            photo_service.add_photos(
                listing, current_user, prepare_uploads(uploads, len(listing.photos))
            )
        except MarketplaceError as error:
            attach_error(form, error, "photos")
        else:
            flash(_("The photos are added."), "success")
            return redirect(url_for(".photos", listing_id=listing.id))
    return render_template(
        "listings/photos.html", listing=listing, form=form, max_photos=photo_service.MAX_PHOTOS
    ), status_for(form)


@bp.post("/<int:listing_id>/photos/<int:photo_id>/delete")
@login_required
def delete_photo(listing_id: int, photo_id: int) -> Response:
    listing = access.get_manageable(listing_id, current_user)
    photo_service.delete_photo(listing, current_user, photo_id)
    flash(_("The photo is deleted."), "success")
    return redirect(url_for(".photos", listing_id=listing_id))


@bp.post("/<int:listing_id>/photos/<int:photo_id>/move")
@login_required
def move_photo(listing_id: int, photo_id: int) -> Response:
    listing = access.get_manageable(listing_id, current_user)
    step = -1 if request.form.get("direction") == "earlier" else 1
    photo_service.move_photo(listing, current_user, photo_id, step)
    return redirect(url_for(".photos", listing_id=listing_id))


HELD_FOR_REVIEW = _l(
    "Your listing waits for a moderator's review and is published once approved. You will be told."
)
TRANSITIONS = {
    "publish": (services.publish_listing, _l("Your listing is published.")),
    "pause": (
        services.pause_listing,
        _l("The listing is paused: nobody can find it until you publish it again."),
    ),
    "close": (services.close_listing, _l("The listing is closed.")),
}


@bp.post("/<int:listing_id>/<any(publish, pause, close):action>")
@login_required
def transition(listing_id: int, action: str) -> Response:
    listing = access.get_manageable(listing_id, current_user)
    change, message = TRANSITIONS[action]
    try:
        change(listing, current_user)
    except MarketplaceError as error:
        if error.status == 404:
            raise
        flash(str(error.message), "error")
    else:
        held = listing.status == ListingStatus.PENDING_REVIEW
        flash(str(HELD_FOR_REVIEW if held else message), "success")
    fallback = url_for(".detail", listing_id=listing_id)
    return redirect(safe_redirect_target(request.form.get("next"), fallback))


@bp.post("/<int:listing_id>/duplicate")
@login_required
def duplicate(listing_id: int) -> Response:
    listing = access.get_manageable(listing_id, current_user)
    try:
        copy = services.duplicate_listing(listing, current_user)
    except MarketplaceError as error:
        if error.status == 404:
            raise
        flash(str(error.message), "error")
        return redirect(url_for(".detail", listing_id=listing_id))
    flash(_("A copy has been made as a draft. Check it and publish it."), "success")
    return redirect(url_for(".edit", listing_id=copy.id))


@bp.get("/mine")
@login_required
def mine() -> Page:
    organisation_id = request.args.get("organisation", type=row_id)
    listings = services.managed_listings(current_user, organisation_id)
    return render_template("listings/mine.html", listings=listings, organisation_id=organisation_id)
