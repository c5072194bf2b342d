"""Checking items: every problem named by its field, and a digest that changes exactly when
the content does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from marketplace.partners.items import ItemKind, ItemRejected, parse_item
from tests.partners.fixtures import rental_item, sale_item


def fields(raw: Any) -> list[str | None]:
    with pytest.raises(ItemRejected) as caught:
        parse_item(raw)
    return [problem.field for problem in caught.value.problems]


def test_a_rental_item_is_read_in_full() -> None:
    item = parse_item(rental_item())
    assert item.kind == ItemKind.RENTAL and item.quantity == Decimal(3)
    assert (item.price("day"), item.price("week")) == (4500, 18000)
    assert item.deposit_cents == 20000 and item.min_rental_days == 2
    assert item.location.name == "Kera depot" and item.location.lat == 60.2172


def test_every_problem_is_reported_at_once() -> None:
    raw = rental_item(title="", quantity="x", unit="bag", language="de", condition="mint")
    assert set(fields(raw)) == {"title", "quantity", "unit", "language", "condition"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (sale_item(price=None), ["price"]),
        (
            sale_item(price=[{"amount": "1", "per": "unit"}, {"amount": "2", "per": "lot"}]),
            ["price"],
        ),
        (sale_item(kind="free"), ["price"]),
        (sale_item(deposit="10"), ["deposit"]),
        (
            rental_item(price=[{"amount": "1", "per": "day"}, {"amount": "2", "per": "day"}]),
            ["price"],
        ),
        (rental_item(price={"amount": 1e20, "per": "day"}), ["price.amount"]),
        (rental_item(price={"amount": "NaN", "per": "day"}), ["price.amount"]),
        (rental_item(price={"amount": True, "per": "day"}), ["price.amount"]),
        (rental_item(price="45"), ["price"]),
        (rental_item(location="Kera"), ["location"]),
        (rental_item(location=None), ["location"]),
        (rental_item(location={"name": "A", "lat": 91}), ["location.lat"]),
        (rental_item(photos="http://x"), ["photos"]),
        (rental_item(photos=["http://x/1.jpg"] * 11), ["photos"]),
        (rental_item(photos=[5]), ["photos[0]"]),
        (rental_item(attributes={"a": [1]}), ["attributes.a"]),
        (rental_item(attributes={"": 1}), ["attributes"]),
        (
            rental_item(available_from="2026-07-01", available_until="2026-06-01"),
            ["available_until"],
        ),
        (rental_item(external_id="with space"), ["external_id"]),
        (rental_item(external_id=None), ["external_id"]),
        ([rental_item()], ["body"]),
    ],
)
def test_problems_name_their_fields(raw: Any, expected: list[str]) -> None:
    assert fields(raw) == expected


def test_the_digest_follows_the_content_not_its_spelling() -> None:
    base = parse_item(rental_item())
    respelled = rental_item(quantity=3, deposit="200", price=list(reversed(rental_item()["price"])))
    assert parse_item(respelled).digest == base.digest
    assert parse_item(rental_item(title=" Julkisivuteline 50 m² ")).digest == base.digest
    for change in (
        {"quantity": "4"},
        {"attributes": {"model": "other"}},
        {"photos": ["https://x.example/1.jpg"]},
        {"location": {"name": "Other depot"}},
    ):
        assert parse_item(rental_item(**change)).digest != base.digest, change
