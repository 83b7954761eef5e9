"""Rows of some days of the week ("loans made on weekends", "on a Friday", "weekday loans"),
over a small library schema (no services): the ISO day of the date the words name; a day said
once ("on Friday") may be one date, and a verb of another date leaves the date open."""

from __future__ import annotations

import pytest

from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

LOANS = table(
    "loans",
    [
        Column("id", "integer"),
        Column("state", "text", values=["open", "returned"]),
        Column("loaned_at", "timestamp with time zone"),
        Column("returned_at", "timestamp with time zone"),
    ],
)


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("loans on weekends", "EXTRACT(ISODOW FROM loans.loaned_at) IN (6, 7)"),
        ("weekend loans", "EXTRACT(ISODOW FROM loans.loaned_at) IN (6, 7)"),
        ("loans made on weekdays", "EXTRACT(ISODOW FROM loans.loaned_at) IN (1, 2, 3, 4, 5)"),
        ("loans loaned on a friday", "EXTRACT(ISODOW FROM loans.loaned_at) = 5"),
        ("loans on sundays", "EXTRACT(ISODOW FROM loans.loaned_at) = 7"),
        ("loans returned on a monday", "EXTRACT(ISODOW FROM loans.returned_at) = 1"),
        (
            "loans whose returned_at is on a weekend",
            "EXTRACT(ISODOW FROM loans.returned_at) IN (6, 7)",
        ),
    ],
)
def test_days_of_the_week_of_the_date_named(intent: str, condition: str):
    assert condition in understood(intent, [LOANS]).where


@pytest.mark.parametrize("intent", ["loans on friday", "loans handed back on weekends"])
def test_a_day_that_may_be_a_date_or_of_an_unknown_date_is_left_for_review(intent: str):
    query = understand(intent, [LOANS])
    assert (query.unresolved or query.ambiguous) and not any("ISODOW" in w for w in query.where)
