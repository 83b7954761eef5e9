"""Columns left out or renamed by the offline planner, over a small schema (no services): "all
columns except email", "without the country column", "rename total to amount", "name as
product_name"; "without" a column that may be empty still keeps the rows where it is."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql
from ai.generation.intent.understand import Query, understand
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

MEMBERS = table(
    "members",
    [
        Column("id", "integer", False),
        Column("name", "text", False),
        Column("email", "text", False),
        Column("country", "text", True, values=["DE", "FR"]),
        Column("joined_at", "timestamp with time zone", False),
    ],
)
INVOICES = table(
    "invoices",
    [
        Column("id", "integer", False),
        Column("member_id", "integer", True),
        Column("state", "text", False, values=["open", "paid"]),
        Column("total", "numeric(10,2)", False),
        Column("issued_at", "timestamp with time zone", False),
    ],
    [["member_id", "members", "id"]],
)


def _read(intent: str) -> Query:
    return understood(intent, [MEMBERS, INVOICES])


def _names(intent: str) -> list[str]:
    return [o.name for o in sql.outputs(_read(intent))]


@pytest.mark.parametrize(
    ("intent", "names"),
    [
        (
            "everything from members except email",
            ["id", "name", "country", "joined_at"],
        ),
        ("all member columns but email and country", ["id", "name", "joined_at"]),
        ("members minus the email column", ["id", "name", "country", "joined_at"]),
        ("members, drop email", ["id", "name", "country", "joined_at"]),
        ("members, but not joined_at", ["id", "name", "email", "country"]),
        ("members without the country column", ["id", "name", "email", "joined_at"]),
        (
            "members without email",
            ["id", "name", "country", "joined_at"],
        ),  # never empty
    ],
)
def test_columns_left_out(intent: str, names: list[str]):
    query = _read(intent)
    assert [o.name for o in sql.outputs(query)] == names
    assert not query.where


def test_without_a_column_that_may_be_empty_keeps_the_rows_where_it_is():
    assert _read("members without a country").where == ["members.country IS NULL"]


@pytest.mark.parametrize(
    ("intent", "names"),
    [
        (
            "copy invoices but rename total to amount",
            ["id", "member_id", "state", "amount", "issued_at"],
        ),
        (
            "invoices with total renamed to amount",
            ["id", "member_id", "state", "amount", "issued_at"],
        ),
        ("members: id, name as member_name, email", ["id", "member_name", "email"]),
        ("id and name of members, name called member_name", ["id", "member_name"]),
    ],
)
def test_columns_renamed(intent: str, names: list[str]):
    assert _names(intent) == names


def test_a_name_of_the_data_is_no_new_name():
    query = understand("invoices (total as state)", [MEMBERS, INVOICES])
    assert not any(o.name == "state" and "total" in o.sql for o in sql.outputs(query))


@pytest.mark.parametrize(
    "intent",
    [
        "invoices where no member is set",
        "invoices (no member)",
        "invoices where no member_id is given",
    ],
)
def test_no_reference_said_after_where_is_empty(intent: str):
    assert _read(intent).where == ["invoices.member_id IS NULL"]


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        (
            "member name and the year of joined_at",
            "SELECT members.name, EXTRACT(YEAR FROM members.joined_at) AS joined_year FROM members",
        ),
        (
            "email and year of joined_at of members",
            "SELECT members.email, EXTRACT(YEAR FROM members.joined_at) AS joined_year "
            "FROM members",
        ),
    ],
)
def test_one_column_listed_with_a_computed_one_is_the_projection(intent: str, expected: str):
    assert sql.select_sql(_read(intent)) == expected
