"""The built-in understanding of relations across tables on a club-shop schema (members,
visits, visit lines, items): distinct rows counted through the tables between, whatever the
words around them."""

from __future__ import annotations

from functools import partial

from ai.generation.intent.sql import select_sql
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

_table = partial(table, connection="club", schema="public")

MEMBERS = _table(
    "members",
    [
        ("id", "integer"),
        ("name", "text", False),
        Column("city", "text", True, ["Lyon", "Oslo", "Porto"]),
    ],
)
VISITS = _table(
    "visits",
    [
        ("id", "integer"),
        ("member_id", "integer", False),
        Column("state", "text", False, ["closed", "open", "voided"]),
        ("amount", "numeric"),
        ("visited_at", "timestamptz"),
    ],
    [["member_id", "members", "id"]],
)
ITEMS = _table(
    "items",
    [
        ("id", "integer"),
        Column("title", "text", False, ["Green tea", "Rowing machine", "Yoga mat"]),
        Column("family", "text", False, ["drinks", "gear"]),
        ("price", "numeric"),
    ],
)
LINES = _table(
    "visit_lines",
    [
        ("id", "integer"),
        ("visit_id", "integer", False),
        ("item_id", "integer", False),
        ("qty", "integer"),
        ("unit_price", "numeric"),
    ],
    [["visit_id", "visits", "id"], ["item_id", "items", "id"]],
)
CLUB = [MEMBERS, VISITS, ITEMS, LINES]

_LINES_VISITS = "FROM visit_lines JOIN visits ON visit_lines.visit_id = visits.id"


def _sql(intent: str) -> str:
    return select_sql(understood(intent, CLUB)).replace("public.", "")


def test_distinct_rows_of_a_table_two_references_away_are_counted_per_group():
    for intent in (
        "count distinct members per item",
        "count unique members for each item",
        "number of different members for every item",
    ):
        assert _sql(intent) == (
            "SELECT visit_lines.item_id, count(DISTINCT visits.member_id) AS member_count "
            f"{_LINES_VISITS} GROUP BY 1"
        ), intent
    assert _sql("count distinct items per member") == (
        "SELECT visits.member_id, count(DISTINCT visit_lines.item_id) AS item_count "
        f"{_LINES_VISITS} GROUP BY 1"
    )


def test_distinct_rows_said_first_and_grouped_are_counted():
    for intent in ("unique items in each visit", "distinct items per visit"):
        assert _sql(intent) == (
            "SELECT visit_lines.visit_id, count(DISTINCT visit_lines.item_id) AS item_count "
            "FROM visit_lines GROUP BY 1"
        ), intent

