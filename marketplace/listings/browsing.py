"""The browse page's query: the newest active listings with something to offer, filtered by
kind, category (a family or a type) and organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from werkzeug.datastructures import MultiDict

from marketplace.categories.services import family_tree
from marketplace.extensions import db
from marketplace.models import Category, Listing, ListingKind, ListingStatus, Organisation

PER_PAGE = 24


@dataclass(frozen=True)
class BrowseFilters:
    kind: ListingKind | None = None
    category: str | None = None
    organisation: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> BrowseFilters:
        """Unknown or malformed values are ignored: a shared link never ends in an error."""
        kind = args.get("kind", "")
        organisation = args.get("organisation", type=int)
        page = args.get("page", default=1, type=int) or 1
        return cls(
            kind=ListingKind(kind) if kind in set(ListingKind) else None,
            category=args.get("category") or None,
            organisation=organisation,
            page=min(max(page, 1), 10_000),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments for a link to this search with some values changed."""
        values = {
            "kind": self.kind.value if self.kind else None,
            "category": self.category,
            "organisation": self.organisation,
            "page": self.page,
            **changes,
        }
        if values["page"] == 1:
            del values["page"]
        return {key: value for key, value in values.items() if value not in (None, "")}


def _category_ids(slug: str) -> list[int]:
    category = db.session.scalar(sa.select(Category).where(Category.slug == slug))
    if category is None:
        return [-1]
    return [category.id, *(child.id for child in category.children)]


def browse(filters: BrowseFilters, per_page: int = PER_PAGE) -> Pagination:
    query = (
        sa.select(Listing)
        .where(Listing.status == ListingStatus.ACTIVE, Listing.quantity_available > 0)
        .order_by(Listing.published_at.desc(), Listing.id.desc())
    )
    if filters.kind:
        query = query.where(Listing.kind == filters.kind)
    if filters.category:
        query = query.where(Listing.category_id.in_(_category_ids(filters.category)))
    if filters.organisation:
        query = query.where(Listing.organisation_id == filters.organisation)
    return db.paginate(query, page=filters.page, per_page=per_page, error_out=False)


def filter_options() -> dict[str, Any]:
    organisations = db.session.scalars(
        sa.select(Organisation)
        .where(
            Organisation.id.in_(
                sa.select(Listing.organisation_id).where(Listing.status == ListingStatus.ACTIVE)
            )
        )
        .order_by(Organisation.name)
    ).all()
    return {"families": family_tree(), "organisations": organisations, "kinds": list(ListingKind)}
