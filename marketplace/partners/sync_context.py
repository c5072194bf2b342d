"""What every item of a sync transaction needs, read once under the partner's lock: the
actor, the categories, and the organisation's sites by name (creating a site for a name the
organisation has none for, from the location's address)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import today_in_finland
from marketplace.errors import FieldProblem, MarketplaceError
from marketplace.extensions import db
from marketplace.models import Category, Organisation, Site, User, audit
from marketplace.partners.checked_items import CheckedItem, ItemRejected, Place
from marketplace.partners.sync_report import SyncTarget
from marketplace.sites.services import SiteDetails, site_columns
from marketplace.sites.services import check_details as check_site_details

SITE_FIELDS = ("address", "postal_code", "city", "lat", "lon")


def _lock(organisation_id: int) -> None:
    """One sync at a time per partner (PostgreSQL; SQLite's BEGIN IMMEDIATE already is)."""
    db.session.execute(
        sa.select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    )


class SyncContext:
    def __init__(self, target: SyncTarget) -> None:
        _lock(target.organisation_id)
        self.target = target
        actor = db.session.get(User, target.actor_id)
        assert actor is not None
        self.actor = actor
        self.categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
        # Held here, not only by id: the session's identity map is weak, and the listing
        # services look each item's site up again (a SELECT per item once it is collected).
        own = sa.select(Site).where(Site.organisation_id == target.organisation_id)
        self.held: list[Site] = list(db.session.scalars(own))
        self.sites = {site.name.casefold(): site.id for site in self.held}
        self.new_sites: dict[str, int] = {}
        self.checked_sites: dict[int, Site] = {}
        self.today = today_in_finland()

    def settle(self, succeeded: bool) -> None:
        """Sites created for an item exist only if the item's savepoint was kept."""
        if succeeded:
            self.sites.update(self.new_sites)
        self.new_sites = {}

    def category(self, item: CheckedItem) -> Category:
        found = self.categories.get(item.category)
        if found is None or not found.active:
            problem = FieldProblem(
                "category", _l("No such category; GET /api/v1/categories lists them.")
            )
            raise ItemRejected([problem])
        return found

    def knows_site(self, location: Place) -> bool:
        key = location.name.casefold()
        return key in self.sites or key in self.new_sites

    def site_for(self, location: Place) -> int:
        key = location.name.casefold()
        found = self.sites.get(key) or self.new_sites.get(key)
        if found is not None:
            return found
        missing = [name for name in SITE_FIELDS if getattr(location, name) is None]
        if missing:
            message = _l(
                "The organisation has no site of this name; give its address, "
                "postal_code, city, lat and lon to create one."
            )
            raise ItemRejected([FieldProblem(f"location.{name}", message) for name in missing])
        site = self._new_site(location)
        self.new_sites[key] = site.id
        return site.id

    def _new_site(self, location: Place) -> Site:
        details = SiteDetails(
            location.name,
            location.address or "",
            location.postal_code or "",
            location.city or "",
            location.lat or 0.0,
            location.lon or 0.0,
        )
        try:
            check_site_details(details)
        except MarketplaceError as error:
            problem = FieldProblem(f"location.{error.field}", str(error.message))
            raise ItemRejected([problem]) from error
        site = Site(organisation_id=self.target.organisation_id, **site_columns(details))
        db.session.add(site)
        db.session.flush()
        self.held.append(site)
        audit.record(
            self.actor,
            "site.created",
            "site",
            site.id,
            name=site.name,
            organisation_id=self.target.organisation_id,
        )
        return site
