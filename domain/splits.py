"""Boundaries that split a column's [min, max] into ranges of equal width (pure)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

Bound = int | float | Decimal | date | datetime


def boundaries(low: Bound | None, high: Bound | None, parts: int) -> list[str]:
    """The ``parts - 1`` interior boundaries as SQL literal text; none when there is nothing
    to split (no rows, one distinct value, or a type that cannot be split)."""
    if low is None or high is None or parts < 2 or low == high:
        return []
    if isinstance(low, datetime) and isinstance(high, datetime):
        step = (high - low) / parts
        return _distinct([(low + step * i).isoformat() for i in range(1, parts)])
    if isinstance(low, date) and isinstance(high, date):
        days = (high - low).days
        return _distinct(
            [(low + timedelta(days=days * i // parts)).isoformat() for i in range(1, parts)]
        )
    if isinstance(low, int) and isinstance(high, int):
        return _distinct([str(low + (high - low) * i // parts) for i in range(1, parts)])
    if isinstance(low, int | float | Decimal) and isinstance(high, int | float | Decimal):
        lo, hi = Decimal(str(low)), Decimal(str(high))
        return _distinct([str(lo + (hi - lo) * i / parts) for i in range(1, parts)])
    return []


def _distinct(values: list[str]) -> list[str]:
    """Equal neighbours would make empty ranges: keep each boundary once, in order."""
    return list(dict.fromkeys(values))
