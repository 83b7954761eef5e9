"""Rows counted per calendar period said with the verb of their coming to be ("members who
signed up each year", "loans taken out per month" …), over a small library schema (no
services): the period of the date the verb names; a verb naming another date than the one
grouped by is left for review."""

from __future__ import annotations

import pytest

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

MEMBERS = table(
    "members",
    [("id", "integer"), ("city", "text"), ("created_at", "timestamp with time zone")],
)
PATRONS = table(
    "patrons",
    [
        ("id", "integer"),
        ("created_at", "timestamp with time zone"),
        ("signup_date", "date"),
    ],
)


@pytest.mark.parametrize(
    ("intent", "grain"),
    [
        ("members who signed up each year", "year"),
        ("number of members who signed up each year", "year"),
        ("how many members registered per month", "month"),
        ("members that joined every quarter", "quarter"),
        ("member signups per year", "year"),
        ("count of members who were created each week", "week"),
        ("members per calendar year", "year"),
        ("members who signed up every week", "week"),
        ("number of members per calendar month", "month"),
    ],
)
def test_rows_that_came_to_be_each_period_are_counted_by_its_date(intent: str, grain: str):
    assert select_sql(understood(intent, [MEMBERS])) == (
        f"SELECT CAST(date_trunc('{grain}', members.created_at) AS DATE) AS {grain}, "
        "count(*) AS member_count FROM members GROUP BY 1"
    )


def test_a_verb_of_another_date_than_the_one_grouped_by_is_left_for_review():
    query = understand("patrons who signed up each year", [PATRONS])
    assert query.ambiguous or query.unresolved


@pytest.mark.parametrize(
    "intent", ["load members who signed up every day", "sync members registered each month"]
)
def test_a_load_of_rows_that_came_to_be_each_period_may_be_a_schedule(intent: str):
    query = understand(intent, [MEMBERS])
    assert query.ambiguous or query.unresolved


def test_a_schedule_without_such_a_verb_stays_a_schedule():
    query = understood("copy members every day", [MEMBERS])
    assert query.schedule == "0 2 * * *" and not query.groups


PARCELS = table(
    "parcels",
    [
        ("id", "integer"),
        Column("state", "text", True, ["booked", "returned", "handed_over"]),
        ("created_at", "timestamp with time zone"),
        ("returned_at", "timestamp with time zone"),
    ],
)


@pytest.mark.parametrize(
    "intent",
    [
        "number of parcels returned per month (by returned_at)",
        "how many parcels were returned each month, by returned_at",
    ],
)
def test_a_verb_that_is_also_a_value_of_the_rows_keeps_its_filter(intent: str):
    query = understood(intent, [PARCELS])
    assert query.where == ["parcels.state = 'returned'"]
    assert [g.sql for g in query.groups] == [
        "CAST(date_trunc('month', parcels.returned_at) AS DATE)"
    ]
