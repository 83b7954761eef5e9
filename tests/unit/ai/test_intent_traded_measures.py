"""A verb of trade after an aggregated column ("tickets sold per event") says what the column
counts; with a period asked, the verb may name its date and stays a question. Over a schema
unlike the suite's."""

from __future__ import annotations

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from workflows.generation_payloads import Column, DatasetSchema

BOOKINGS = DatasetSchema(
    "bookings",
    "src",
    "postgresql",
    "postgres",
    None,
    "bookings",
    [
        Column("id", "integer"),
        Column("event_id", "integer"),
        Column("seats", "integer"),
        Column("booked_at", "timestamp with time zone"),
        Column("paid_at", "timestamp with time zone"),
    ],
    ["id"],
)


def test_a_verb_of_trade_after_a_summed_column_describes_it():
    query = understand("total seats sold per event_id", [BOOKINGS])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert "sum(bookings.seats)" in intent_sql.select_sql(query)


def test_with_a_period_the_verb_is_left_for_review():
    query = understand("total seats sold per event_id in 2024", [BOOKINGS])
    assert query.unresolved or query.ambiguous
