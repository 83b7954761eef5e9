"""The offline nl-query rules join the measure's table to the asked-about one directly or
through one table between, never by guessing among several ways."""

from __future__ import annotations

from ai.nlquery.offline import translate
from workflows.data_payloads import SchemaSnapshot, TableSchema

PEOPLE = TableSchema("members", [["id", "integer"], ["name", "text"]])
VISITS = TableSchema(
    "visits", [["id", "integer"], ["member_id", "integer"], ["visited_on", "date"]]
)
FEES = TableSchema("fees", [["id", "integer"], ["visit_id", "integer"], ["price", "numeric"]])


def _sql(question: str, *tables: TableSchema, dialect: str = "postgres") -> str | None:
    return translate(question, SchemaSnapshot(dialect, "postgresql", list(tables))).sql


def test_a_measure_two_tables_away_is_joined_through_the_one_between():
    sql = _sql("top 3 members by total price last year", PEOPLE, VISITS, FEES)
    assert sql is not None
    assert '"members"."id" = "visits"."member_id"' in sql
    assert '"visits"."id" = "fees"."visit_id"' in sql
    assert '"visits"."visited_on" >=' in sql  # the nearest table with a date
    assert "LIMIT 3" in sql


def test_a_direct_key_needs_no_table_between():
    paid = TableSchema("payments", [["id", "integer"], ["member_id", "integer"], ["price", "int"]])
    sql = _sql("top 5 members by total price", PEOPLE, VISITS, paid)
    assert sql is not None and '"visits"' not in sql
    assert '"members"."id" = "payments"."member_id"' in sql


def test_two_ways_between_are_not_guessed():
    bookings = TableSchema(
        "bookings", [["id", "integer"], ["member_id", "integer"], ["visit_id", "integer"]]
    )
    fees = TableSchema(
        "fees",
        [["id", "integer"], ["visit_id", "integer"], ["booking_id", "integer"], ["price", "int"]],
    )
    found = translate(
        "top 3 members by total price",
        SchemaSnapshot("postgres", "postgresql", [PEOPLE, VISITS, bookings, fees]),
    )
    assert found.sql is None and found.error and "fees" in found.error
