from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import Listing, Membership, Organisation, Site, User, audit
from marketplace.organisations.services import membership, require_membership

POSTAL_CODE = re.compile(r"\d{5}")


@dataclass(frozen=True)
class SiteDetails:
    name: str
    address: str
    postal_code: str
    city: str
    latitude: float
    longitude: float
    active_from: date | None = None
    active_until: date | None = None


def check_details(details: SiteDetails) -> None:
    if not details.name.strip():
        raise ValidationError(_l("Give the site a name."), field="name")
    if not POSTAL_CODE.fullmatch(details.postal_code):
        raise ValidationError(
            _l("A Finnish postal code has five digits, like 02610."), field="postal_code"
        )
    if not -90 <= details.latitude <= 90:
        raise ValidationError(_l("Latitude must be between -90 and 90."), field="latitude")
    if not -180 <= details.longitude <= 180:
        raise ValidationError(_l("Longitude must be between -180 and 180."), field="longitude")
    if details.active_from and details.active_until and details.active_until < details.active_from:
        raise ValidationError(
            _l("The end date cannot be before the start date."), field="active_until"
        )


def sites_of_user(user: User) -> list[Site]:
    return list(
        db.session.scalars(sa.select(Site).where(Site.user_id == user.id).order_by(Site.name))
    )


def sites_of_organisation(organisation: Organisation) -> list[Site]:
    return list(
        db.session.scalars(
            sa.select(Site).where(Site.organisation_id == organisation.id).order_by(Site.name)
        )
    )


def usable_sites(user: User) -> list[Site]:
    """The user's own sites and those of every organisation they belong to."""
    organisation_ids = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
    return list(
        db.session.scalars(
            sa.select(Site)
            .where(sa.or_(Site.user_id == user.id, Site.organisation_id.in_(organisation_ids)))
            .order_by(Site.name)
        )
    )


def create_site(
    actor: User, details: SiteDetails, organisation: Organisation | None = None
) -> Site:
    check_details(details)
    if organisation is not None:
        require_membership(organisation.id, actor)
    site = Site(
        organisation=organisation,
        user=None if organisation else actor,
        **site_columns(details),
    )
    db.session.add(site)
    db.session.flush()
    audit.record(
        actor,
        "site.created",
        "site",
        site.id,
        name=site.name,
        organisation_id=organisation.id if organisation else None,
    )
    db.session.commit()
    return site


def site_columns(details: SiteDetails) -> dict[str, object]:
    return {
        "name": details.name.strip(),
        "address": details.address.strip(),
        "postal_code": details.postal_code,
        "city": details.city.strip(),
        "latitude": details.latitude,
        "longitude": details.longitude,
        "active_from": details.active_from,
        "active_until": details.active_until,
    }


def can_manage(site: Site, user: User) -> bool:
    if site.user_id is not None:
        return site.user_id == user.id
    return site.organisation_id is not None and membership(site.organisation_id, user) is not None


def get_manageable_site(site_id: int, user: User) -> Site:
    site = db.session.get(Site, site_id)
    if site is None or not can_manage(site, user):
        raise NotFound(_l("No such site."))
    return site


def update_site(site: Site, actor: User, details: SiteDetails) -> Site:
    if not can_manage(site, actor):
        raise NotFound(_l("No such site."))
    check_details(details)
    for column, value in site_columns(details).items():
        setattr(site, column, value)
    audit.record(actor, "site.updated", "site", site.id, name=site.name)
    db.session.commit()
    return site


def delete_site(site: Site, actor: User) -> None:
    if not can_manage(site, actor):
        raise NotFound(_l("No such site."))
    in_use = db.session.scalar(sa.select(Listing.id).where(Listing.site_id == site.id).limit(1))
    if in_use is not None:
        raise Conflict(
            _l("Listings use this place, so it cannot be removed. Set an end date for it instead.")
        )
    audit.record(actor, "site.deleted", "site", site.id, name=site.name)
    db.session.delete(site)
    db.session.commit()
