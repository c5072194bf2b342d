"""Checking items: every problem named by its field, and a digest that changes exactly when
the content does."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic_core import PydanticCustomError

from marketplace.core.inputs import EUROS, QUANTITY, Limits
from marketplace.partners.checked_items import ItemRejected, parse_item
from marketplace.partners.item_kinds import ItemKind
from marketplace.partners.items import ItemInput
from marketplace.partners.model_types import DecimalText, Text, decimal_pattern
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


# The schema says what the checks do: each rule's pattern and its check agree.

TEXTS = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from(" \t\n\r\u00a0\u200b\u202e\u2028\u3000\U000e0041"),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, least=st.integers(0, 3), multiline=st.booleans())
def test_a_text_pattern_says_what_the_text_check_does(
    text: str, least: int, multiline: bool
) -> None:
    rule = Text(least, 6, multiline=multiline)
    schema = rule.schema()
    by_schema = len(text) <= 6 and re.fullmatch(schema["pattern"][1:-1], text) is not None
    try:
        rule.check(text)
        by_check = True
    except PydanticCustomError:
        by_check = False
    assert by_schema == by_check


DECIMALS = st.one_of(
    st.from_regex(r"\A[0-9]{0,8}(\.[0-9]{0,4})?\Z"),
    st.decimals(0, 2_000_000, places=4).map(str),
)


@settings(max_examples=300, deadline=None)
@given(text=DECIMALS, limits=st.sampled_from([QUANTITY, EUROS]))
def test_a_decimal_pattern_says_what_the_decimal_check_does(text: str, limits: Limits) -> None:
    by_schema = re.fullmatch(decimal_pattern(limits)[1:-1], text) is not None
    try:
        DecimalText(limits).check(text)
        by_check = True
    except PydanticCustomError:
        by_check = False
    assert by_schema == by_check


def test_kinds_decide_prices_in_the_schema_as_in_the_checks() -> None:
    schema = ItemInput.model_json_schema()
    validator = Draft202012Validator(schema)
    for raw in (
        rental_item(price={"amount": "45", "per": "unit"}),
        sale_item(price=None),
        sale_item(kind="free"),
        sale_item(deposit="10"),
        rental_item(price=[{"amount": "1", "per": "day"}, {"amount": "2", "per": "day"}]),
        rental_item(unit="pcs", quantity="2.5"),
    ):
        assert not validator.is_valid(raw), raw
        with pytest.raises(ItemRejected):
            parse_item(raw)
    for raw in (rental_item(), sale_item(), sale_item(kind="free", price=None)):
        assert validator.is_valid(raw), list(validator.iter_errors(raw))
        parse_item(raw)
