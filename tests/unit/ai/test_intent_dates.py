"""The intent planner's date ranges: a day written with dashes ("1-Jun-2024") and a range said
with both ends included ("on or between … and …"), over a schema unlike the suite's."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from workflows.generation_payloads import Column, DatasetSchema

LOANS = DatasetSchema(
    "loans",
    "src",
    "postgresql",
    "postgres",
    None,
    "loans",
    [
        Column("id", "integer"),
        Column("book_id", "integer"),
        Column("borrowed_on", "date"),
        Column("returned_at", "timestamp with time zone"),
    ],
    ["id"],
)


def _understood(intent: str) -> str:
    query = understand(intent, [LOANS])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return intent_sql.select_sql(query)


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("loans borrowed before 9-Sep-2023", "loans.borrowed_on < DATE '2023-09-09'"),
        ("loans borrowed on or after 30-nov-2022", "loans.borrowed_on >= DATE '2022-11-30'"),
        (
            "loans borrowed between 2-Jan-2023 and 4-Jan-2023",
            "loans.borrowed_on >= DATE '2023-01-02' AND loans.borrowed_on < DATE '2023-01-05'",
        ),
    ],
)
def test_a_day_written_with_dashes_and_the_month_in_letters(intent: str, condition: str):
    assert condition in _understood(intent)


@pytest.mark.parametrize(
    "intent",
    [
        "loans returned on or between 2023-02-01 and 2023-02-28",
        "loans returned on or between 1 February 2023 and 28 February 2023",
    ],
)
def test_on_or_between_includes_both_days(intent: str):
    sql = _understood(intent)
    assert "loans.returned_at >= DATE '2023-02-01' AND loans.returned_at < DATE '2023-03-01'" in sql


@pytest.mark.parametrize(
    ("intent", "lo", "hi"),
    [
        ("loans borrowed in first-half 2024", "DATE '2024-01-01'", "DATE '2024-07-01'"),
        ("loans borrowed in the second-quarter of 2024", "DATE '2024-04-01'", "DATE '2024-07-01'"),
    ],
)
def test_an_ordinal_joined_to_its_part_of_the_year(intent: str, lo: str, hi: str):
    sql = _understood(intent)
    assert f">= {lo}" in sql and f"< {hi}" in sql


@pytest.mark.parametrize(
    ("intent", "lo"),
    [
        (
            "loans borrowed in the first quarter of this year",
            "CAST(date_trunc('year', CURRENT_DATE) AS DATE)",
        ),
        (
            "loans borrowed in the second half of last year",
            "CAST(CAST(CAST(date_trunc('year', CURRENT_DATE) AS DATE) - INTERVAL '1 year' AS DATE)"
            " + INTERVAL '6 month' AS DATE)",
        ),
        (
            "loans borrowed Q3 last year",
            "CAST(CAST(CAST(date_trunc('year', CURRENT_DATE) AS DATE) - INTERVAL '1 year' AS DATE)"
            " + INTERVAL '6 month' AS DATE)",
        ),
    ],
)
def test_a_quarter_or_half_of_a_year_said_from_today(intent: str, lo: str):
    assert f"loans.borrowed_on >= {lo} AND loans.borrowed_on < CAST({lo} + INTERVAL" in _understood(
        intent
    )
