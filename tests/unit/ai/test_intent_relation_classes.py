"""The built-in understanding of relations across tables on a club-shop schema (members,
visits, visit lines, items), in words of its own: distinct rows counted through the tables
between, rows reached through a named value of another table (a semi-join), the top values of a
referred column by a sum, a count that keeps the rows with none, the values of a column whose
rows add up past a number, a negation restated in brackets, and a computed column next to
aggregates."""

from __future__ import annotations

from functools import partial

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import understand
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


def test_rows_some_row_reaches_through_a_named_value_of_another_table():
    through_items = (
        "FROM visit_lines JOIN visits ON visit_lines.visit_id = visits.id "
        "JOIN items ON visit_lines.item_id = items.id WHERE visits.member_id = members.id"
    )
    for intent, value in (
        ("members who bought a yoga mat", "items.title = 'Yoga mat'"),
        ("members that have ever purchased Rowing machines", "items.title = 'Rowing machine'"),
        ("members who bought some drinks items", "items.family = 'drinks'"),
        ("members who have had a yoga mat", "items.title = 'Yoga mat'"),
    ):
        assert _sql(intent) == (
            "SELECT members.id, members.name, members.city FROM members WHERE EXISTS "
            f"(SELECT 1 {through_items} AND {value})"
        ), intent
    for intent in ("visits which include a green tea", "visits containing Green tea"):
        assert _sql(intent).endswith(
            "FROM visits WHERE EXISTS (SELECT 1 FROM visit_lines JOIN items ON "
            "visit_lines.item_id = items.id WHERE visit_lines.visit_id = visits.id AND "
            "items.title = 'Green tea')"
        ), intent


def test_a_value_reached_with_a_verb_naming_no_table_on_the_way_is_left_open():
    assert "yoga mat" in " ".join(understand("members who rated a yoga mat", CLUB).unresolved)


def test_a_value_the_rows_reach_through_no_one_table_is_left_open():
    guests = _table("guests", [("id", "integer"), ("visit_line_id", "integer")],
                    [["visit_line_id", "visit_lines", "id"]])  # fmt: skip
    query = understand("members who bought a yoga mat", [*CLUB, guests])
    assert "yoga mat" in " ".join(query.unresolved)


def test_the_top_values_of_a_referred_column_by_an_amount_summed():
    by_city = (
        "SELECT members.city, sum(visits.amount) AS total_amount FROM visits JOIN members ON "
        "visits.member_id = members.id GROUP BY 1 ORDER BY total_amount {} LIMIT {}"
    )
    for intent, order, n in (
        ("top 2 cities by visit amount", "DESC", 2),
        ("the 3 cities with the highest total visit amount", "DESC", 3),
        ("top 2 member cities by total visit amount", "DESC", 2),
    ):
        assert _sql(intent) == by_city.format(order, n), intent
    # the lowest: a city whose members have no visits has no sum to rank
    assert understand("the 2 cities with the lowest visit amount", CLUB).unresolved
    assert _sql("the 2 cities with the most visits") == (
        "SELECT members.city, count(*) AS visit_count FROM visits JOIN members ON "
        "visits.member_id = members.id GROUP BY 1 ORDER BY visit_count DESC LIMIT 2"
    )
    assert understand("the 2 cities with the fewest visits", CLUB).unresolved
    assert _sql("top 2 item titles by qty") == (
        "SELECT items.title, sum(visit_lines.qty) AS total_qty FROM visit_lines JOIN items ON "
        "visit_lines.item_id = items.id GROUP BY 1 ORDER BY total_qty DESC LIMIT 2"
    )
    assert _sql("top 2 families by qty") == (
        "SELECT items.family, sum(visit_lines.qty) AS total_qty FROM visit_lines JOIN items ON "
        "visit_lines.item_id = items.id GROUP BY 1 ORDER BY total_qty DESC LIMIT 2"
    )


def test_a_count_per_row_read_keeps_the_rows_with_none_when_said():
    for intent in (
        "all members with their number of visits, including members with zero visits",
        "every member and their visit count, even those with none",
        "members with the number of visits, 0 for those without visits",
    ):
        assert _sql(intent) == (
            "SELECT members.id, members.name, members.city, count(visits.member_id) AS "
            "visit_count FROM members LEFT JOIN visits ON visits.member_id = members.id "
            "GROUP BY 1, 2, 3"
        ), intent


def test_a_count_kept_at_zero_with_a_condition_is_left_open():
    for intent in (
        "all members with their number of voided visits, including those with none",
        "every member and their visit count in 2024, even those with none",
    ):
        assert understand(intent, CLUB).ambiguous, intent


def test_a_count_grouped_by_reference_with_rows_with_none_said_is_left_open():
    query = understand("visit count per member, including the ones without any visits", CLUB)
    assert query.ambiguous
    assert not understand("members with no visits", CLUB).ambiguous


def test_the_values_of_a_referred_column_whose_rows_add_up_past_a_number():
    for intent in (
        "cities whose visits add up to more than 5000",
        "cities whose members' visits add up to over 5000 in total",
        "cities where their visits total more than 5000",
    ):
        assert _sql(intent) == (
            "SELECT members.city, sum(visits.amount) AS total_amount FROM visits JOIN members ON "
            "visits.member_id = members.id GROUP BY 1 HAVING sum(visits.amount) > 5000"
        ), intent
    query = understand("families whose visit lines add up to over 900", CLUB)
    assert query.unresolved  # a price summed is no amount


def test_a_negated_word_restated_in_brackets_as_rows_without_a_table():
    for intent in (
        "members with no activity (no visits)",
        "members without purchases (without any visits)",
    ):
        assert _sql(intent) == (
            "SELECT members.id, members.name, members.city FROM members WHERE NOT EXISTS "
            "(SELECT 1 FROM visits WHERE visits.member_id = members.id)"
        ), intent
    assert understand("members with no activity", CLUB).unresolved


def test_a_computed_column_next_to_aggregates_is_summed_when_money_else_left_open():
    assert _sql("total qty and revenue (qty * unit_price) per family") == (
        "SELECT items.family, sum(visit_lines.qty) AS total_qty, sum(visit_lines.qty * "
        "visit_lines.unit_price) AS revenue FROM visit_lines JOIN items ON visit_lines.item_id = "
        "items.id GROUP BY 1"
    )
    query = understand("per family: total qty and margin (qty * unit_price)", CLUB)
    assert query.ambiguous
