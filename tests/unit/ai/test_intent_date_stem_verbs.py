"""A verb before a period names the date column of its stem ("events that occurred in March
2024": occurred_at, "shipments that shipped in 2024": shipped_at), only when one date column
has that stem."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

EVENTS = table(
    "events",
    [
        Column("id", "integer"),
        Column("event_type", "text", values=["signup", "login"]),
        Column("occurred_at", "timestamp with time zone"),
        Column("created_at", "timestamp with time zone"),
    ],
)
SHIPMENTS = table(
    "shipments",
    [
        Column("id", "integer"),
        Column("shipped_at", "timestamp with time zone"),
        Column("delivered_at", "timestamp with time zone"),
        Column("created_at", "timestamp with time zone"),
    ],
)
ORDERS = table(
    "orders",
    [
        Column("id", "integer"),
        Column("placed_at", "timestamp with time zone"),
        Column("created_at", "timestamp with time zone"),
    ],
)


def _where(intent: str, schema) -> str:
    query = understand(intent, [schema])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return intent_sql.select_sql(query).split(" WHERE ")[1]


@pytest.mark.parametrize(
    ("intent", "schema", "column", "bounds"),
    [
        (
            "events that occurred in march 2024",
            EVENTS,
            "events.occurred_at",
            ("2024-03-01", "2024-04-01"),
        ),
        (
            "events which occurred during 2024",
            EVENTS,
            "events.occurred_at",
            ("2024-01-01", "2025-01-01"),
        ),
        (
            "events that have occurred in 2023",
            EVENTS,
            "events.occurred_at",
            ("2023-01-01", "2024-01-01"),
        ),
        (
            "shipments that shipped in 2024",
            SHIPMENTS,
            "shipments.shipped_at",
            ("2024-01-01", "2025-01-01"),
        ),
        (
            "shipments that were shipped in may 2024",
            SHIPMENTS,
            "shipments.shipped_at",
            ("2024-05-01", "2024-06-01"),
        ),
        (
            "orders that were placed in Q1 2024",
            ORDERS,
            "orders.placed_at",
            ("2024-01-01", "2024-04-01"),
        ),
    ],
)
def test_a_verb_names_the_date_of_its_stem(intent, schema, column, bounds):
    assert _where(intent, schema).startswith(
        f"{column} >= DATE '{bounds[0]}' AND {column} < DATE '{bounds[1]}'"
    )


def test_the_verb_and_a_value_together():
    where = _where("events of type signup that occurred in march 2024", EVENTS)
    assert "events.occurred_at >= DATE '2024-03-01'" in where
    assert "events.event_type = 'signup'" in where


def test_two_columns_of_the_stem_are_not_guessed_between():
    both = table(
        "events",
        [
            Column("id", "integer"),
            Column("occurred_at", "timestamp with time zone"),
            Column("occurred_on", "date"),
        ],
    )
    query = understand("events that occurred in march 2024", [both])
    assert query.unresolved or query.ambiguous


def test_an_event_that_happened_is_dated_by_its_occurrence_not_its_creation():
    where = _where("events that happened in march 2024", EVENTS)
    assert where.startswith("events.occurred_at >= DATE '2024-03-01'")
