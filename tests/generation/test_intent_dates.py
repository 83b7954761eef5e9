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
    ("from 01/01/2024 to 12/31/2024", "DATE '2024-01-01'", "DATE '2025-01-01'"),
    ("on 15.03.2024", "DATE '2024-03-15'", "DATE '2024-03-16'"),
    ("in 03/2024", "DATE '2024-03-01'", "DATE '2024-04-01'"),
    ("march '24", "DATE '2024-03-01'", "DATE '2024-04-01'"),
    ("in the month of march 2024", "DATE '2024-03-01'", "DATE '2024-04-01'"),
    ("Apr-Jun 2024", "DATE '2024-04-01'", "DATE '2024-07-01'"),
    ("between April and June 2024", "DATE '2024-04-01'", "DATE '2024-07-01'"),
    ("in April, May or June 2024", "DATE '2024-04-01'", "DATE '2024-07-01'"),
    ("in Q2/2024", "DATE '2024-04-01'", "DATE '2024-07-01'"),
    ("in 2nd quarter 2024", "DATE '2024-04-01'", "DATE '2024-07-01'"),
    ("in 2H 2023", "DATE '2023-07-01'", "DATE '2024-01-01'"),
    ("in the last six months of 2023", "DATE '2023-07-01'", "DATE '2024-01-01'"),
    ("the first 3 months of 2024", "DATE '2024-01-01'", "DATE '2024-04-01'"),
    ("during the year 2024", "DATE '2024-01-01'", "DATE '2025-01-01'"),
    ("from Jan 2025 onwards", "DATE '2025-01-01'", None),
    ("in 2025 or later", "DATE '2025-01-01'", None),
    ("in 2020 or earlier", None, "DATE '2021-01-01'"),
    ("no later than 2020", None, "DATE '2021-01-01'"),
    ("newer than 2024", "DATE '2025-01-01'", None),
    ("on or before 2024-07-15", None, "DATE '2024-07-16'"),
    ("2024-06-01 to 2024-07-15", "DATE '2024-06-01'", "DATE '2024-07-16'"),
    ("since the start of 2024", "DATE '2024-01-01'", None),
    ("in 2023 and 2024", "DATE '2023-01-01'", "DATE '2025-01-01'"),
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


def test_years_apart_are_either_of_them():
    (either,) = periods("in 2021 or 2023")
    assert (either.lo, either.hi) == ("DATE '2021-01-01'", "DATE '2022-01-01'")
    assert either.also == [("DATE '2023-01-01'", "DATE '2024-01-01'")]


@pytest.mark.parametrize("text", ["on 06/07/2024", "in fiscal year 2024", "nov to feb 2024"])
def test_dates_read_two_ways_are_in_doubt(text: str):
    (period,) = periods(text)
    assert period.doubt


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("opened 2020 or before", None, "DATE '2021-01-01'"),
        ("scanned_at >= 2025-01-01", "DATE '2025-01-01'", None),
        ("pre-2021 warehouses", None, "DATE '2021-01-01'"),
        ("opened by the end of 2020", None, "DATE '2021-01-01'"),
        ("the latter half of 2023", "DATE '2023-07-01'", "DATE '2024-01-01'"),
        ("from 06/01/2024 to 07/15/2024", "DATE '2024-06-01'", "DATE '2024-07-16'"),
        ("1 jan to 30 jun 2024", "DATE '2024-01-01'", "DATE '2024-07-01'"),
    ],
)
def test_bounds_and_conventions(text: str, lo: str | None, hi: str | None):
    (period,) = periods(text)
    assert (period.lo, period.hi) == (lo, hi)


def test_a_period_said_again_is_one_condition():
    first, again = periods("h1 2024 orders, i.e. 1 jan to 30 jun 2024")
    assert (first.lo, first.hi) == ("DATE '2024-01-01'", "DATE '2024-07-01'")
    assert again.restates


def test_quarters_back_are_months():
    (last,) = periods("last quarter")
    assert "INTERVAL '1 quarter'" not in str(last.lo) and "'3 month'" in str(last.lo)


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("placed from 1 march 2024", "DATE '2024-03-01'", None),
        ("orders in q4/23", "DATE '2023-10-01'", "DATE '2024-01-01'"),
        ("orders in 4q 2023", "DATE '2023-10-01'", "DATE '2024-01-01'"),
        ("january-2024 orders", "DATE '2024-01-01'", "DATE '2024-02-01'"),
        ("from 1 to 31 january 2024", "DATE '2024-01-01'", "DATE '2024-02-01'"),
        ("between '2024-02-11' and '2024-03-16'", "DATE '2024-02-11'", "DATE '2024-03-17'"),
        ("in calendar 2024", "DATE '2024-01-01'", "DATE '2025-01-01'"),
    ],
)
def test_more_wordings(text: str, lo: str | None, hi: str | None):
    (period,) = periods(text)
    assert (period.lo, period.hi) == (lo, hi)


def test_the_past_month_is_in_doubt():
    (period,) = periods("orders placed in the past month")
    assert period.doubt
