"""One row per key, by the offline planner over a small schema (no services): the values said
with the rows are their filter ("the latest purchase event per user"), "down to" keeps, and the
unique values of one column are that column, each value once ("distinct event types")."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql
from ai.generation.intent.understand import Query, understand
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

USERS = table(
    "users",
    [
        Column("id", "integer", False),
        Column("email", "text", False),
        Column("country", "text", True, values=["DE", "FR"]),
        Column("updated_at", "timestamp with time zone", False),
    ],
)
EVENTS = table(
    "events",
    [
        Column("id", "integer", False),
        Column("user_id", "integer", False),
        Column("event_type", "text", False, values=["click", "purchase", "view"]),
        Column("occurred_at", "timestamp with time zone", False),
    ],
    [["user_id", "users", "id"]],
)


def _read(intent: str) -> Query:
    return understood(intent, [EVENTS, USERS])


@pytest.mark.parametrize(
    ("intent", "order"),
    [
        ("latest purchase event per user", "events.occurred_at DESC"),
        ("the first click event for each user", "events.occurred_at ASC"),
    ],
)
def test_values_said_with_the_rows_filter_them(intent: str, order: str):
    query = _read(intent)
    assert query.one_per is not None and query.one_per.name == "user_id"
    assert query.one_order == order
    assert len(query.where) == 1 and query.where[0].startswith("events.event_type = ")


def test_down_to_one_per_key():
    query = _read("dedupe events down to the last one per user")
    assert query.one_per is not None and query.one_per.name == "user_id"
    assert query.one_order == "events.occurred_at DESC"


@pytest.mark.parametrize(
    ("intent", "column"),
    [
        ("distinct event types", "event_type"),
        ("unique list of user countries", "country"),
        ("distinct countries from users", "country"),
        ("list of unique user emails", "email"),
    ],
)
def test_the_unique_values_of_a_column(intent: str, column: str):
    query = _read(intent)
    assert [o.name for o in sql.outputs(query)] == [column]
    assert query.one_per is not None and query.one_per.name == column


@pytest.mark.parametrize(
    "intent",
    ["number of distinct countries of users", "users with distinct emails"],
)
def test_distinct_said_of_a_count_or_of_rows_is_no_list_of_values(intent: str):
    assert understand(intent, [EVENTS, USERS]).one_per is None


@pytest.mark.parametrize(
    ("intent", "order"),
    [
        (
            "users deduplicated on email, newest updated_at kept",
            "users.updated_at DESC",
        ),
        (
            "remove duplicate users (same email), keep the latest updated",
            "users.updated_at DESC",
        ),
        ("distinct users by email, most recent update wins", "users.updated_at DESC"),
    ],
)
def test_a_dedupe_said_with_same_distinct_or_kept(intent: str, order: str):
    query = _read(intent)
    assert query.one_per is not None and query.one_per.name == "email"
    assert query.one_order == order


def test_the_initial_row_per_key_is_the_first():
    assert _read("initial event per user").one_order == "events.occurred_at ASC"


def test_distinct_rows_counted_per_group_are_no_dedupe():
    assert understand("count distinct users per country", [EVENTS, USERS]).one_per is None
