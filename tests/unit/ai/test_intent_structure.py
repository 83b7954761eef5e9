"""The built-in understanding of intents on a library schema (authors, books, members, loans):
group keys on joined tables, anti-joins, one row per key, rankings, computed durations, and
the parts it must leave unresolved rather than guess."""

from __future__ import annotations

from functools import partial

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import Query, understand
from ai.generation.intent.verify import dropped
from tests.unit.ai.tables import table

_table = partial(table, connection="library", schema="public")


AUTHORS = _table("authors", [("id", "integer", False), ("name", "text", False)], [])
BOOKS = _table(
    "books",
    [
        ("id", "integer", False),
        ("author_id", "integer", False),
        ("title", "text", False),
        ("price", "numeric", False),
    ],
    [["author_id", "authors", "id"]],
)
MEMBERS = _table(
    "members",
    [("id", "integer", False), ("email", "text", False), ("city", "text", True)],
    [],
)
LOANS = _table(
    "loans",
    [
        ("id", "integer", False),
        ("book_id", "integer", False),
        ("member_id", "integer", True),
        ("fee", "numeric", False),
        ("loaned_at", "timestamptz", False),
        ("returned_at", "timestamptz", True),
    ],
    [["book_id", "books", "id"], ["member_id", "members", "id"]],
)
LIBRARY = [AUTHORS, BOOKS, MEMBERS, LOANS]


def _understood(intent: str) -> tuple[Query, str]:
    query = understand(intent, LIBRARY)
    return query, select_sql(query)


def _clean(query: Query) -> bool:
    return not query.unresolved and not query.ambiguous


def test_a_group_key_on_a_joined_table():
    query, sql = _understood("number of loans per member city")
    assert _clean(query), query.unresolved + query.ambiguous
    assert query.root is LOANS
    assert "members.city" in sql and "count(*)" in sql and "GROUP BY 1" in sql


def test_several_aggregates_over_a_computed_column():
    query, sql = _understood("per book_id, the sum of fee times 2 as double_fee and the loan count")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "sum(loans.fee * 2) AS double_fee" in sql and "count(*)" in sql


def test_anti_joins_in_several_wordings():
    for intent in (
        "members who never borrowed a book",  # books through the loans
        "members with zero loans",
        "members that don't have a single loan",
        "books not in any loan",
    ):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert "NOT EXISTS (SELECT 1 FROM loans WHERE" in sql, intent


def test_one_row_per_key_in_several_wordings():
    for intent in (
        "the latest loan of each member by loaned_at",
        "each member's most recent loan (by loaned_at)",
        "for every member, only their newest loan by loaned_at",
    ):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert "PARTITION BY loans.member_id ORDER BY loans.loaned_at DESC" in sql, intent


def test_a_ranking_groups_by_the_ranked_table_with_its_label():
    query, sql = _understood("top 3 books by total fee, with their title")
    assert _clean(query), query.unresolved + query.ambiguous
    assert query.root is LOANS
    assert "books.title" in sql and "sum(loans.fee)" in sql and sql.endswith("LIMIT 3")


def test_a_duration_in_the_unit_asked():
    query, sql = _understood("loans with the loan time in days, returned_at minus loaned_at")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "EXTRACT(EPOCH FROM loans.returned_at - loans.loaned_at) / 86400" in sql


def test_rows_without_a_match_kept_when_said_else_asked():
    query, sql = _understood("loans with the member email, null when there is no member")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "LEFT JOIN members" in sql
    asked, _ = _understood("loans with the member email")
    assert asked.ambiguous  # kept with an empty email, or left out? not guessed


def test_what_is_not_understood_is_never_dropped():
    for intent in (
        "the latest loan of each member",  # by loaned_at or by returned_at?
        "top 3 books by popularity",  # a ranking by nothing the schema holds
        "the 2 most recent loans per member",  # two per member, or two in all?
        "members with more than 10 loans",  # a condition on a count (HAVING)
    ):
        query, _ = _understood(intent)
        assert not _clean(query), intent


def _model(sql: str) -> dict:
    return {"transformations": [{"name": "t", "type": "sql", "sql": sql}]}


def test_a_model_that_drops_a_grouping_or_a_computed_column_is_caught():
    query, _ = _understood("number of loans per member city")
    grouped = "SELECT m.city, count(*) FROM loans l JOIN members m ON m.id = l.member_id GROUP BY 1"
    assert dropped(query, _model(grouped)) == []
    other = "SELECT l.book_id, count(*) FROM loans l GROUP BY l.book_id"
    assert dropped(query, _model(other))  # grouped, but by another column
    query, _ = _understood("loans with the loan time in days, returned_at minus loaned_at")
    kept = "SELECT *, EXTRACT(EPOCH FROM returned_at - loaned_at) / 86400 AS days FROM loans"
    assert dropped(query, _model(kept)) == []
    assert dropped(query, _model("SELECT * FROM loans"))


def test_the_row_with_the_highest_value_per_key_is_one_row_per_key():
    for intent in (
        "for each member the loan with the highest fee",
        "the loan with the highest fee in each member",
    ):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert "PARTITION BY loans.member_id ORDER BY loans.fee DESC" in sql, intent
    for intent in ("the loan with the highest fee", "max fee loan of each member"):
        query, _ = _understood(intent)
        assert not _clean(query), intent  # the row, or the highest fee? not guessed
