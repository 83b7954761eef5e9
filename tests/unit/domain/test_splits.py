"""domain.splits: interior boundaries of equal-width ranges."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from domain.splits import boundaries


@pytest.mark.parametrize(
    ("low", "high", "parts", "expected"),
    [
        (0, 100, 4, ["25", "50", "75"]),
        (1, 10, 3, ["4", "7"]),
        (0, 2, 4, ["0", "1"]),
        (-10, 10, 2, ["0"]),
        (0.0, 1.0, 4, ["0.25", "0.5", "0.75"]),
        (Decimal("1.00"), Decimal("2.00"), 2, ["1.50"]),
        (0, 1.5, 3, ["0.5", "1.0"]),
        (date(2024, 1, 1), date(2024, 1, 31), 3, ["2024-01-11", "2024-01-21"]),
        (date(2024, 1, 1), date(2024, 1, 2), 4, ["2024-01-01"]),
        (
            datetime(2024, 1, 1),
            datetime(2024, 1, 2),
            4,
            ["2024-01-01T06:00:00", "2024-01-01T12:00:00", "2024-01-01T18:00:00"],
        ),
        (None, 10, 4, []),
        (0, None, 4, []),
        (5, 5, 4, []),
        (0, 100, 1, []),
        (0, 100, 0, []),
        ("a", "z", 4, []),
    ],
    ids=[
        "ints",
        "ints-floor",
        "ints-narrow-deduplicated",
        "negative",
        "floats",
        "decimals",
        "mixed-numbers",
        "dates",
        "dates-narrow-deduplicated",
        "datetimes",
        "no-low",
        "no-high",
        "one-value",
        "one-part",
        "no-parts",
        "text",
    ],
)
def test_boundaries(low: object, high: object, parts: int, expected: list[str]) -> None:
    assert boundaries(low, high, parts) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("parts", [2, 3, 7, 16])
def test_boundaries_are_increasing_and_inside(parts: int) -> None:
    got = [int(b) for b in boundaries(0, 1_000_003, parts)]
    assert len(got) == parts - 1
    assert got == sorted(set(got))
    assert got[0] > 0 and got[-1] < 1_000_003
