"""A named column cast to another type as a new column: "event_day = occurred_at as a date",
"occurred_at cast to date as event_day", "the date part of created_at as signup_date",
"cast(total as integer) as whole_total"; left open when the new column has no name, when the
values may not convert (text as a date), or when the words are a condition."""

from __future__ import annotations

import pytest

from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

EVENTS = table(
    "events",
    [
        Column("id", "integer"),
        Column("name", "text"),
        Column("amount", "numeric(10,2)"),
        Column("occurred_at", "timestamp with time zone"),
    ],
)
DAY = "CAST(events.occurred_at AS DATE)"


@pytest.mark.parametrize(
    ("intent", "sql", "name"),
    [
        ("events with event_day = occurred_at as a date", DAY, "event_day"),
        ("events with occurred_at cast to date as event_day", DAY, "event_day"),
        ("events with occurred_at casted to a date as event_day", DAY, "event_day"),
        ("events with the date part of occurred_at as event_day", DAY, "event_day"),
        ("events with event_day being occurred_at converted to a date", DAY, "event_day"),
        ("events with occurred_at truncated to the day as event_day", DAY, "event_day"),
        ("events with event_day = occurred_at::date", DAY, "event_day"),
        ("events with event_day = occurred_at cast as date", DAY, "event_day"),
        ("events with event_day = just the date of occurred_at", DAY, "event_day"),
        ("events with event_day (occurred_at as a date)", DAY, "event_day"),
        ("events with cast(occurred_at as date) as event_day", DAY, "event_day"),
        ("events with event_day = date(occurred_at)", DAY, "event_day"),
        ("events plus event_day: occurred_at without the time", DAY, "event_day"),
        (
            "events with amount cast to an integer as whole_amount",
            "CAST(events.amount AS INTEGER)",
            "whole_amount",
        ),
        ("events with amount_text = amount as text", "CAST(events.amount AS TEXT)", "amount_text"),
    ],
)
def test_a_column_cast_is_a_new_column(intent: str, sql: str, name: str):
    picks = [(p.sql, p.name) for p in understood(intent, [EVENTS]).picks]
    assert picks == [(sql, name)]


@pytest.mark.parametrize(
    "intent",
    [
        "events with occurred_at as a date",  # which name?
        "events with occurred_at truncated to the day",
        "events with name as a date as name_day",  # text may not be a date
        "count events per occurred_at as a date",
    ],
)
def test_a_cast_not_certain_is_left_open(intent: str):
    query = understand(intent, [EVENTS])
    assert query.unresolved or query.ambiguous
    assert not any(p.sql.startswith("CAST(") for p in query.picks)
