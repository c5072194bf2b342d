"""Sets of documents as bits of a Python integer, and the per-field sets of an index.

Whoosh is pure Python: anything it does per matching document costs about a microsecond,
which at 100 000 listings is too slow for exact totals and facet counts on every keystroke.
Here a set of documents is one `int` whose bit n stands for document n; intersections, unions
and counts (`int.bit_count`) then run in C at memory speed, whatever the number of documents.

For each index segment the `facts` column is read once, and turned into a bitset per value of
each filter field (category, family, kind, condition, organisation, free), per map grid cell,
per price band and per publication week. Segments never change (deletions aside), so a
refreshed searcher only reads the segments it has not seen. `FactView` joins the segments of
one searcher into global document numbers.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from whoosh.idsets import DocIdSet

from marketplace.search.geo import Box, Point, bounding_box, haversine_km
from marketplace.search.schema import FACTS

# One grid cell of the map index: 0.01° of latitude (1.1 km) by 0.02° of longitude (1.1 km in
# southern Finland), in millionths of a degree.
CELL_LAT = 10_000
CELL_LON = 20_000
WEEK = 7 * 24 * 3600
FILTER_FIELDS = ("category", "family", "organisation", "kind", "condition", "free")
Key = TypeVar("Key", int, tuple[int, int])
_BYTE_BITS = tuple(tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256))


def from_ids(ids: Iterable[int], size: int) -> int:
    buffer = bytearray((size + 7) >> 3)
    for docnum in ids:
        buffer[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


def to_ids(mask: int) -> list[int]:
    """The document numbers in `mask`, ascending."""
    out: list[int] = []
    data = mask.to_bytes((mask.bit_length() + 7) >> 3, "little")
    for index, byte in enumerate(data):
        if byte:
            base = index << 3
            out.extend([base + bit for bit in _BYTE_BITS[byte]])
    return out


def ones(count: int) -> int:
    return (1 << count) - 1


class AllowSet(DocIdSet):
    """A bitset as the filter Whoosh's collector asks `docnum in allowed` of, in O(1)."""

    def __init__(self, mask: int) -> None:
        self._mask = mask
        self._bytes = mask.to_bytes((mask.bit_length() + 7) >> 3, "little")

    def __contains__(self, docnum: object) -> bool:
        if not isinstance(docnum, int) or docnum < 0 or docnum >> 3 >= len(self._bytes):
            return False
        return bool(self._bytes[docnum >> 3] >> (docnum & 7) & 1)

    def __bool__(self) -> bool:
        # Whoosh treats a false filter as "no filter": an empty set must still filter.
        return True

    def __len__(self) -> int:
        return self._mask.bit_count()

    def __iter__(self) -> Iterator[int]:
        return iter(to_ids(self._mask))


def cell_of(lat_e6: int, lon_e6: int) -> tuple[int, int]:
    return lat_e6 // CELL_LAT, lon_e6 // CELL_LON


def price_band(cents: int) -> int:
    """Free is band 0; then two bands per doubling of the price."""
    return 0 if cents <= 0 else 1 + int(2 * math.log2(cents))


COLUMNS = ("id", "price", "lat", "lon", "published")
GROUPS = (*FILTER_FIELDS, "cell", "band", "week")


def _collect(
    docnum: int,
    values: tuple[int, ...],
    columns: dict[str, array[int]],
    groups: dict[str, dict[Any, list[int]]],
) -> None:
    """File one document's facts under its column values and its sets."""
    (listing, category, family, organisation, kind, condition, free) = values[:7]
    price, lat, lon, published = values[7:]
    for name, value in zip(COLUMNS, (listing, price, lat, lon, published), strict=True):
        columns[name].append(value)
    keys: tuple[object, ...] = (category, family, organisation, kind, condition, free)
    keys += (cell_of(lat, lon), price_band(price), published // WEEK)
    for name, key in zip(GROUPS, keys, strict=True):
        groups[name][key].append(docnum)


def _masks(by_value: dict[Any, list[int]], count: int) -> dict[Any, int]:
    return {value: from_ids(ids, count) for value, ids in by_value.items()}


@dataclass
class SegmentFacts:
    """The facts of one segment, by local document number."""

    count: int
    listing_ids: array[int]
    prices: array[int]
    lats: array[int]
    lons: array[int]
    published: array[int]
    masks: dict[str, dict[int, int]]
    cells: dict[tuple[int, int], int]
    price_bands: dict[int, int]
    weeks: dict[int, int]

    @classmethod
    def from_records(cls, records: Sequence[bytes]) -> SegmentFacts:
        """From the segment's `facts` column, read once: a Python loop over its documents,
        which is why segments are read only when first seen."""
        count = len(records)
        columns = {name: array("q") for name in COLUMNS}
        groups: dict[str, dict[Any, list[int]]] = {name: defaultdict(list) for name in GROUPS}
        for docnum, values in enumerate(FACTS.iter_unpack(b"".join(records))):
            _collect(docnum, values, columns, groups)
        return cls(
            count=count,
            listing_ids=columns["id"],
            prices=columns["price"],
            lats=columns["lat"],
            lons=columns["lon"],
            published=columns["published"],
            masks={name: _masks(groups[name], count) for name in FILTER_FIELDS},
            cells=_masks(groups["cell"], count),
            price_bands=_masks(groups["band"], count),
            weeks=_masks(groups["week"], count),
        )


def _join(parts: list[tuple[dict[Key, int], int]]) -> dict[Key, int]:
    joined: dict[Key, int] = defaultdict(int)
    for masks, offset in parts:
        for value, mask in masks.items():
            joined[value] |= mask << offset
    return dict(joined)


@dataclass
class FactView:
    """The facts of every segment of one searcher, in the searcher's document numbers."""

    size: int
    live: int
    listing_ids: array[int]
    prices: array[int]
    lats: array[int]
    lons: array[int]
    published: array[int]
    masks: dict[str, dict[int, int]]
    cells: dict[tuple[int, int], int]
    price_bands: dict[int, int]
    weeks: dict[int, int]
    _sorted_cells: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def join(cls, segments: list[tuple[SegmentFacts, int, int]]) -> FactView:
        """Segments as (facts, offset, live mask in local numbers)."""
        size = max((offset + facts.count for facts, offset, _ in segments), default=0)
        columns: dict[str, array[int]] = {
            name: array("q") for name in ("id", "price", "lat", "lon", "published")
        }
        live = 0
        for facts, offset, segment_live in sorted(segments, key=lambda part: part[1]):
            columns["id"].extend(facts.listing_ids)
            columns["price"].extend(facts.prices)
            columns["lat"].extend(facts.lats)
            columns["lon"].extend(facts.lons)
            columns["published"].extend(facts.published)
            live |= segment_live << offset
        return cls(
            size=size,
            live=live,
            listing_ids=columns["id"],
            prices=columns["price"],
            lats=columns["lat"],
            lons=columns["lon"],
            published=columns["published"],
            masks={
                name: _join([(facts.masks[name], offset) for facts, offset, _ in segments])
                for name in FILTER_FIELDS
            },
            cells=_join([(facts.cells, offset) for facts, offset, _ in segments]),
            price_bands=_join([(facts.price_bands, offset) for facts, offset, _ in segments]),
            weeks=_join([(facts.weeks, offset) for facts, offset, _ in segments]),
        )

    def mask(self, name: str, value: int) -> int:
        return self.masks[name].get(value, 0)


def counts(masks: dict[int, int], within: int) -> dict[int, int]:
    """How many documents of `within` each value's set holds (values with none left out)."""
    found = {}
    for value, mask in masks.items():
        count = (mask & within).bit_count()
        if count:
            found[value] = count
    return found


def price_between(view: FactView, candidates: int, low: int | None, high: int | None) -> int:
    """Documents of `candidates` priced from `low` to `high` cents: whole price bands at once,
    and a look at each document only in the two bands the limits cut through."""
    low = 0 if low is None else low
    high = 2**62 if high is None else high
    inside, edge = 0, 0
    for band, mask in view.price_bands.items():
        # Band limits with a cent of margin: rounding in log2 must never count a document
        # inside that is not; documents near a limit are checked one by one instead.
        band_low = 0.0 if band == 0 else 2 ** ((band - 1) / 2) - 1
        band_high = 0.0 if band == 0 else 2 ** (band / 2) + 1
        if band_high < low or band_low > high:
            continue
        if low <= band_low and band_high <= high:
            inside |= mask
        else:
            edge |= mask
    prices = view.prices
    exact = [doc for doc in to_ids(edge & candidates) if low <= prices[doc] <= high]
    return (inside & candidates) | from_ids(exact, view.size)


def in_order(
    view: FactView,
    candidates: int,
    buckets: dict[int, int],
    key: Callable[[int], tuple[int, int]],
    descending: bool,
    skip: int,
    limit: int,
) -> list[int]:
    """`limit` documents of `candidates` after the first `skip`, ordered by `key`, given
    buckets that are already in that order: whole buckets are skipped by counting them."""
    out: list[int] = []
    for bucket in sorted(buckets, reverse=descending):
        subset = buckets[bucket] & candidates
        if not subset:
            continue
        size = subset.bit_count()
        if skip >= size:
            skip -= size
            continue
        ordered = sorted(to_ids(subset), key=key, reverse=descending)
        out.extend(ordered[skip : skip + limit - len(out)])
        skip = 0
        if len(out) >= limit:
            break
    return out


def _cell_box(cell: tuple[int, int]) -> Box:
    lat, lon = cell
    return Box(
        south=lat * CELL_LAT / 1e6,
        west=lon * CELL_LON / 1e6,
        north=(lat + 1) * CELL_LAT / 1e6,
        east=(lon + 1) * CELL_LON / 1e6,
    )


def _nearest_in_box(point: Point, box: Box) -> Point:
    return Point(min(max(point.lat, box.south), box.north), min(max(point.lon, box.west), box.east))


def _farthest_corner_km(point: Point, box: Box) -> float:
    corners = (
        Point(box.south, box.west),
        Point(box.south, box.east),
        Point(box.north, box.west),
        Point(box.north, box.east),
    )
    return max(haversine_km(point, corner) for corner in corners)


def distance_km(view: FactView, docnum: int, point: Point) -> float:
    return haversine_km(point, Point(view.lats[docnum] / 1e6, view.lons[docnum] / 1e6))


def within_radius(view: FactView, candidates: int, point: Point, radius_km: float) -> int:
    """Documents of `candidates` within `radius_km` of `point`: grid cells wholly inside the
    circle count at once, and only those its edge crosses are measured document by document."""
    box = bounding_box(point, radius_km)
    south, west = cell_of(round(box.south * 1e6), round(box.west * 1e6))
    north, east = cell_of(round(box.north * 1e6), round(box.east * 1e6))
    inside = 0
    exact: list[int] = []
    for cell, mask in view.cells.items():
        if not (south <= cell[0] <= north and west <= cell[1] <= east):
            continue
        subset = mask & candidates
        if not subset:
            continue
        cell_box = _cell_box(cell)
        if _farthest_corner_km(point, cell_box) <= radius_km:
            inside |= subset
        elif haversine_km(point, _nearest_in_box(point, cell_box)) <= radius_km:
            exact.extend(d for d in to_ids(subset) if distance_km(view, d, point) <= radius_km)
    return inside | from_ids(exact, view.size)


def nearest(view: FactView, candidates: int, point: Point, limit: int) -> list[int]:
    """The `limit` documents of `candidates` nearest to `point`, nearest first. Cells are
    visited by their distance from the point; once the next cell is farther than the
    `limit`-th document found, nothing nearer can follow."""
    cells = []
    for cell, mask in view.cells.items():
        subset = mask & candidates
        if subset:
            box = _cell_box(cell)
            cells.append((haversine_km(point, _nearest_in_box(point, box)), subset))
    cells.sort(key=lambda item: item[0])
    found: list[tuple[float, int, int]] = []
    for position, (_low, subset) in enumerate(cells):
        found.extend((distance_km(view, d, point), -view.listing_ids[d], d) for d in to_ids(subset))
        following = cells[position + 1][0] if position + 1 < len(cells) else math.inf
        if len(found) >= limit:
            found.sort()
            del found[limit:]
            if found[-1][0] <= following:
                break
    found.sort()
    return [doc for _distance, _id, doc in found[:limit]]
