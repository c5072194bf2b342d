"""Euros as people type and read them; integer cents inside."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_currency

from marketplace.core.inputs import ANY_NUMBER, Limits, read_decimal


def cents_from_euros(value: Decimal | None) -> int | None:
    if value is None:
        return None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def euros_from_cents(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


def parse_decimal(text: str, limits: Limits = ANY_NUMBER) -> Decimal:
    """Accept "12,50", "12.50" and "1 200,5" (spaces group thousands in Finnish), in plain
    notation and within `limits`; else `inputs.NumberProblem`, a ValueError."""
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    return read_decimal(cleaned.replace(",", "."), limits)


def format_euros(cents: int | None) -> str:
    if cents is None:
        return ""
    return str(format_currency(Decimal(cents) / 100, "EUR"))
