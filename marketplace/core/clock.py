"""The product's clock: every stored moment is UTC, and a day is a day in Finland.

Moments are timezone-aware UTC datetimes (the database keeps them so, see
`database.UTCDateTime`). Days that people choose and read (available from, pickup days,
months in the impact figures) are days in Helsinki, whatever zone the server runs in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_in_finland() -> date:
    """Availability dates are Finnish calendar days, which UTC gets wrong after midnight."""
    return utcnow().astimezone(HELSINKI).date()
