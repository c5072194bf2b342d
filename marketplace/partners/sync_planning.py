"""Step 1 of a sync, outside any transaction: every item is checked, compared with the digest
of what was last applied (an unchanged item stops here), and its photos are fetched if their
URLs changed, so that no download ever holds the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.errors import FieldProblem, MarketplaceError
from marketplace.extensions import db
from marketplace.listings.photo_processing import PreparedPhoto, prepare_photo
from marketplace.models import Listing, ListingStatus, PartnerItem
from marketplace.partners import policies
from marketplace.partners.checked_items import CheckedItem, ItemRejected, parse_item
from marketplace.partners.fetching import FetchError, FetchPolicy, fetch
from marketplace.partners.sync_report import ItemResult, failed, unchanged

LIVE = frozenset({ListingStatus.DRAFT, ListingStatus.ACTIVE, ListingStatus.PAUSED})


@dataclass(frozen=True)
class Stored:
    digest: str
    photo_urls: tuple[str, ...]
    status: ListingStatus
    listing_id: int


@dataclass
class Plan:
    index: int | None
    item: CheckedItem
    # None keeps the listing's photos as they are; a list replaces them.
    photos: list[PreparedPhoto] | None


def stored_items(organisation_id: int, external_ids: Sequence[str]) -> dict[str, Stored]:
    found: dict[str, Stored] = {}
    for start in range(0, len(external_ids), 500):
        rows = db.session.execute(
            sa.select(
                PartnerItem.external_id,
                PartnerItem.content_digest,
                PartnerItem.photo_urls,
                Listing.status,
                Listing.id,
            )
            .join(PartnerItem.listing)
            .where(
                PartnerItem.organisation_id == organisation_id,
                PartnerItem.external_id.in_(external_ids[start : start + 500]),
            )
        )
        for external_id, digest, urls, status, listing_id in rows:
            found[external_id] = Stored(digest, tuple(urls or ()), status, listing_id)
    return found


class PhotoFetcher:
    """Fetches and prepares photos once per URL, however many items share one."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self.prepared: dict[str, PreparedPhoto | MarketplaceError] = {}

    def __call__(self, url: str) -> PreparedPhoto:
        if url not in self.prepared:
            self.prepared[url] = self._fetch(url)
        found = self.prepared[url]
        if isinstance(found, MarketplaceError):
            raise found
        return found

    def _fetch(self, url: str) -> PreparedPhoto | MarketplaceError:
        try:
            response = fetch(url, self.policy)
            if response.status != 200:
                raise FetchError(f"the server answered {response.status}")
            return prepare_photo(response.body)
        except FetchError as error:
            reason = str(error).rstrip(".")
            message = _l("Could not fetch %(url)s: %(reason)s.", url=url, reason=reason)
            return ItemRejected([FieldProblem("photos", message)])
        except MarketplaceError as error:
            message = _l(
                "%(url)s is not a usable photo: %(reason)s", url=url, reason=str(error.message)
            )
            return ItemRejected([FieldProblem("photos", message)])


def _photos_for(item: CheckedItem, seen: Stored | None, fetch_photo: PhotoFetcher) -> Any:
    if seen is not None and seen.status in LIVE and seen.photo_urls == item.photos:
        return None
    prepared = []
    for number, url in enumerate(item.photos):
        try:
            prepared.append(fetch_photo(url))
        except ItemRejected as error:
            problem = error.problems[0]
            raise ItemRejected([FieldProblem(f"photos[{number}]", problem.message)]) from error
    return prepared


def prepare(
    organisation_id: int,
    raw_items: Sequence[tuple[int | None, Any]],
    fetch_photo: PhotoFetcher | None = None,
) -> tuple[list[Plan], list[ItemResult], set[str]]:
    """Returns the items to apply, the results already known (invalid and unchanged items),
    and every external id the batch names, valid or not."""
    fetch_photo = fetch_photo or PhotoFetcher(policies.photos())
    checked, results, named = _check_all(raw_items)
    stored = stored_items(organisation_id, [item.external_id for _, item in checked])
    db.session.commit()  # nothing holds the database while photos download
    plans: list[Plan] = []
    for index, item in checked:
        seen = stored.get(item.external_id)
        if seen is not None and seen.digest == item.digest and seen.status in LIVE:
            results.append(unchanged(index, item.external_id, seen.listing_id))
            continue
        try:
            plans.append(Plan(index, item, _photos_for(item, seen, fetch_photo)))
        except ItemRejected as error:
            results.append(failed(index, item.external_id, error))
    return plans, results, named


def _check_all(
    raw_items: Sequence[tuple[int | None, Any]],
) -> tuple[list[tuple[int | None, CheckedItem]], list[ItemResult], set[str]]:
    checked: list[tuple[int | None, CheckedItem]] = []
    results: list[ItemResult] = []
    named: set[str] = set()
    for index, raw in raw_items:
        external_id = raw.get("external_id") if isinstance(raw, dict) else None
        name = external_id if isinstance(external_id, str) else None
        try:
            item = parse_item(raw)
        except ItemRejected as error:
            results.append(failed(index, name, error))
            named |= {name} if name else set()
            continue
        if item.external_id in named:
            problem = FieldProblem("external_id", _l("This external id is already in the batch."))
            results.append(failed(index, item.external_id, ItemRejected([problem])))
            continue
        named.add(item.external_id)
        checked.append((index, item))
    return checked, results, named
