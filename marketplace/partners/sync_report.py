"""What a sync did, item by item: the outcome of each, and the counts a batch answers with
and the sync history keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from marketplace.errors import FieldProblem, MarketplaceError
from marketplace.models import ListingSource

# Listing fields, as the listing services name them, and the item fields they come from.
ITEM_FIELDS = {
    "category_id": "category",
    "price_model": "price",
    "price_cents": "price",
    "week_price_cents": "price",
    "deposit_cents": "deposit",
    "site_id": "location",
    "mass_per_unit_kg": "quantity",
    "hazard_status": "category",
    "latitude": "location.lat",
    "longitude": "location.lon",
}


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    WITHDRAWN = "withdrawn"
    FAILED = "failed"


STATUS_OF = {
    Outcome.CREATED: 201,
    Outcome.UPDATED: 200,
    Outcome.UNCHANGED: 200,
    Outcome.WITHDRAWN: 200,
}


@dataclass(frozen=True)
class SyncTarget:
    """Whose items these are, and who acts for them."""

    organisation_id: int
    actor_id: int
    source: ListingSource
    key_id: int | None = None
    feed_id: int | None = None


@dataclass
class ItemResult:
    index: int | None
    external_id: str | None
    outcome: Outcome
    status: int
    listing_id: int | None = None
    problems: list[FieldProblem] = field(default_factory=list)


@dataclass
class SyncReport:
    mode: str
    results: list[ItemResult] = field(default_factory=list)
    withdrawn: list[ItemResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results + self.withdrawn if result.outcome == outcome)

    def counts(self) -> dict[str, int]:
        counts = {"received": len(self.results)}
        counts.update({outcome.value: self.count(outcome) for outcome in Outcome})
        return counts


def failed(index: int | None, external_id: str | None, error: MarketplaceError) -> ItemResult:
    # In the reader's language: the API's (marketplace.web.i18n), or the page's that pulls a feed.
    problems = [
        FieldProblem(_item_field(problem.field), str(problem.message)) for problem in error.problems
    ]
    return ItemResult(index, external_id, Outcome.FAILED, error.status, problems=problems)


def unchanged(index: int | None, external_id: str, listing_id: int) -> ItemResult:
    return ItemResult(index, external_id, Outcome.UNCHANGED, 200, listing_id)


def _item_field(name: str | None) -> str | None:
    if name is None:
        return None
    if name.startswith("place-"):
        return "location." + name.removeprefix("place-")
    return ITEM_FIELDS.get(name, name)
