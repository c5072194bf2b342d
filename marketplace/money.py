"""Euros as people type and read them; integer cents inside."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import format_currency


def cents_from_euros(value: Decimal | None) -> int | None:
    if value is None:
        return None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def euros_from_cents(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


def parse_decimal(text: str) -> Decimal:
    """Accept "12,50", "12.50" and "1 200,5" (spaces group thousands in Finnish)."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite():
        raise ValueError(text)
    return value


def format_euros(cents: int | None) -> str:
    if cents is None:
        return ""
    return str(format_currency(Decimal(cents) / 100, "EUR"))
