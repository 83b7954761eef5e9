"""A part of a date column as a new column, by the offline planner over a small schema (no
services): "the year of placed_at", "order_date = date of placed_at"; "per year of placed_at" is a
grouping and "where the year of placed_at is 2024" a condition, never a new column."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

BOOKINGS = table(
    "bookings",
    [
        Column("id", "integer", False),
        Column("total", "numeric(10,2)", False),
        Column("placed_at", "timestamp with time zone", False),
    ],
)


@pytest.mark.parametrize(
    ("intent", "name", "formula"),
    [
        (
            "bookings with a booking_year column (the year of placed_at)",
            "booking_year",
            "EXTRACT(YEAR FROM bookings.placed_at)",
        ),
        (
            "bookings with the year of placed_at",
            "placed_year",
            "EXTRACT(YEAR FROM bookings.placed_at)",
        ),
        (
            "bookings plus booking_date = date of placed_at",
            "booking_date",
            "CAST(bookings.placed_at AS DATE)",
        ),
        (
            "bookings with the date of placed_at as day",
            "day",
            "CAST(bookings.placed_at AS DATE)",
        ),
        (
            "bookings with the hour of placed_at",
            "placed_hour",
            "EXTRACT(HOUR FROM bookings.placed_at)",
        ),
    ],
)
def test_a_part_of_a_date_is_a_new_column(intent: str, name: str, formula: str):
    query = understand(intent, [BOOKINGS])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    out = sql.outputs(query)[-1]
    assert (out.name, out.sql) == (name, formula)


def test_a_grouping_by_the_year_is_no_new_column():
    query = understand("bookings per year of placed_at", [BOOKINGS])
    assert query.groups and not query.picks


def test_a_condition_on_the_year_is_no_new_column():
    query = understand("bookings where the year of placed_at is 2024", [BOOKINGS])
    assert not query.picks
