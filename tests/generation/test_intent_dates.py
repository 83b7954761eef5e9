"""Periods an intent names, with the real calendar (pure: no services)."""

from __future__ import annotations

import pytest

from ai.generation.intent.dates import periods

CASES = [
    ("orders placed in 2024", "DATE '2024-01-01'", "DATE '2025-01-01'"),
    ("orders from January 2024", "DATE '2024-01-01'", "DATE '2024-02-01'"),
    ("sales of jan 2024", "DATE '2024-01-01'", "DATE '2024-02-01'"),
    ("in the fourth quarter of 2023", "DATE '2023-10-01'", "DATE '2024-01-01'"),
    ("during Q2 2024", "DATE '2024-04-01'", "DATE '2024-07-01'"),
    ("the first half of 2024 (January through June)", "DATE '2024-01-01'", "DATE '2024-07-01'"),
    ("2023 H2", "DATE '2023-07-01'", "DATE '2024-01-01'"),
    ("since March 2024", "DATE '2024-03-01'", None),
    ("after 2024-02-29", "DATE '2024-03-01'", None),
    ("before 2021", None, "DATE '2021-01-01'"),
    ("until the end of May 2024", None, "DATE '2024-06-01'"),
    ("between 2024-01-01 and 2024-03-31", "DATE '2024-01-01'", "DATE '2024-04-01'"),
    ("from Feb 2024 to April 2024", "DATE '2024-02-01'", "DATE '2024-05-01'"),
    ("on March 5, 2024", "DATE '2024-03-05'", "DATE '2024-03-06'"),
]


@pytest.mark.parametrize(("text", "lo", "hi"), CASES)
def test_calendar_periods(text: str, lo: str | None, hi: str | None):
    (period,) = periods(text.lower())
    assert (period.lo, period.hi) == (lo, hi)


def test_relative_periods_follow_the_run_date():
    (last,) = periods("orders last month")
    assert "CURRENT_DATE" in str(last.lo) and "'1 month'" in str(last.lo)
    assert last.hi == "CAST(date_trunc('month', CURRENT_DATE) AS DATE)"
    (recent,) = periods("events in the past 30 days")
    assert "'30 day'" in str(recent.lo) and recent.hi is None


@pytest.mark.parametrize("text", ["amount above 2000", "a capacity of 2024", "total over 1999"])
def test_numbers_compared_are_not_years(text: str):
    assert periods(text) == []
