"""The built-in understanding of aggregations on a gym schema (members, classes, bookings):
conditions on an aggregate (HAVING), the date a grain groups by, lists of aggregates sharing
one measure, names given before `as`, totals over the whole table, and what it leaves
unresolved rather than guess."""

from __future__ import annotations

from functools import partial

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import Query, understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import DatasetSchema

_table = partial(table, connection="gym", schema="public")


MEMBERS = _table(
    "members",
    [("id", "integer"), ("name", "text"), ("city", "text"), ("joined_at", "timestamptz")],
    [],
)
CLASSES = _table(
    "classes",
    [("id", "integer"), ("title", "text"), ("category", "text"), ("capacity", "integer")],
    [],
)
BOOKINGS = _table(
    "bookings",
    [
        ("id", "integer"),
        ("member_id", "integer"),
        ("class_id", "integer"),
        ("seats", "integer"),
        ("fee", "numeric"),
        ("channel", "text"),
        ("booked_at", "timestamptz"),
        ("attended_at", "timestamptz"),
    ],
    [["member_id", "members", "id"], ["class_id", "classes", "id"]],
)
GYM = [MEMBERS, CLASSES, BOOKINGS]


def _read(intent: str, datasets: list[DatasetSchema] | None = None) -> Query:
    return understand(intent, datasets or GYM)


def _understood(intent: str) -> str:
    query = _read(intent)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return select_sql(query)


def _left_open(intent: str) -> Query:
    query = _read(intent)
    assert query.unresolved or query.ambiguous, select_sql(query)
    return query


# --- Conditions on an aggregate ----------------------------------------------------------------


def test_a_count_of_the_grouped_rows_compared_is_a_condition_on_the_groups():
    sql = _understood("member_ids with more than 5 bookings, with the number of bookings")
    assert "WHERE" not in sql
    assert sql.endswith("GROUP BY 1 HAVING count(*) > 5")


def test_an_aggregate_of_a_column_compared_is_a_condition_on_the_groups():
    sql = _understood("class_ids where the average fee is over 20, with that average")
    assert "avg(bookings.fee) AS avg_fee" in sql
    assert sql.endswith("HAVING avg(bookings.fee) > 20")


def test_an_aggregate_already_asked_for_then_compared_is_that_aggregate():
    sql = _understood("avg fee per class_id where the total seats is over 100")
    assert "WHERE" not in sql  # not a fee over 100: the money column is not guessed
    assert sql.endswith("HAVING sum(bookings.seats) > 100")


def test_an_aggregate_followed_by_a_comparison_with_no_lead_is_left_open():
    query = _left_open("sum of fee over 50 per class_id")  # sums over 50, or fees over 50?
    assert not query.having


def test_a_count_of_rows_compared_without_an_aggregate_is_not_a_money_condition():
    query = _left_open("member_ids with more than 5 bookings")
    assert not query.where and not query.having


def test_a_condition_on_an_aggregate_of_the_whole_table_is_left_open():
    _left_open("total number of bookings with more than 5 bookings")


# --- Grains of a date ----------------------------------------------------------------------


def test_a_grain_groups_by_the_date_column_named_with_it():
    sql = _understood("monthly count of bookings by attended_at")
    assert "date_trunc('month', bookings.attended_at)" in sql
    assert sql.endswith("GROUP BY 1")  # attended_at is the grain's date, not a second key


def test_a_grain_whose_date_a_verb_may_name_otherwise_is_left_open():
    _left_open("number of bookings attended per year")


# --- Several aggregates, names, whole table ------------------------------------------------


def test_a_list_of_aggregates_shares_the_measure_named_last():
    sql = _understood("min, max and avg fee by class_id")
    for fn in ("min", "max", "avg"):
        assert f"{fn}(bookings.fee) AS {fn}_fee" in sql


def test_the_same_aggregate_twice_over_two_columns():
    sql = _understood("avg fee and avg seats per class_id")
    assert "avg(bookings.fee) AS avg_fee" in sql and "avg(bookings.seats) AS avg_seats" in sql


def test_a_name_given_before_as_names_the_aggregate():
    sql = _understood("per class_id: takings as the total of seats x fee")
    assert "sum(bookings.seats * bookings.fee) AS takings" in sql


def test_a_sum_said_after_its_column():
    sql = _understood("fee summed per member_id")
    assert "sum(bookings.fee) AS total_fee" in sql


def test_a_total_over_the_whole_table_is_one_row():
    sql = _understood("total number of bookings, one row")
    assert sql == "SELECT count(*) AS booking_count FROM bookings"


def test_a_distinct_count_of_a_column_of_several_words():
    sql = _understood("count distinct booking channels per class_id")
    assert "count(DISTINCT bookings.channel)" in sql


def test_a_quantity_of_rows_is_their_count_when_no_column_is_a_quantity():
    sql = _understood("qty of bookings per class_id")
    assert "count(*) AS booking_count" in sql


def test_a_quantity_of_rows_with_a_quantity_column_is_left_open():
    lines = _table(
        "lines", [("id", "integer"), ("class_id", "integer"), ("quantity", "integer")], []
    )
    query = _read("quantity of lines per class_id", [lines])
    assert query.unresolved or query.ambiguous, select_sql(query)


# --- The first rows of each key ------------------------------------------------------------

RACKETS = _table("rackets", [("id", "integer"), ("brand", "text"), ("price", "numeric")], [])


def test_the_first_n_rows_of_each_key_by_the_ranking():
    query = _read("the 2 most expensive rackets of each brand", [RACKETS])
    assert not query.unresolved and not query.ambiguous
    sql = select_sql(query)
    assert "PARTITION BY rackets.brand ORDER BY rackets.price DESC" in sql
    assert sql.endswith("WHERE dw_row_number <= 2")
    assert "LIMIT" not in sql


def test_n_rows_said_as_one_per_key_is_left_open():
    query = _read("the 3 most expensive rackets, one per brand", [RACKETS])
    assert query.unresolved or query.ambiguous, select_sql(query)


def test_the_top_groups_named_by_a_column_s_values():
    sql = _understood("the 2 channels with the highest sum of fee")
    assert sql == (
        "SELECT bookings.channel, sum(bookings.fee) AS total_fee FROM bookings GROUP BY 1 "
        "ORDER BY total_fee DESC LIMIT 2"
    )


def test_the_best_selling_rows_of_a_table_rank_by_the_sum_of_a_child_table_s_column():
    sql = _understood("the 3 best selling classes by seats, with their title")
    assert "sum(bookings.seats) AS total_seats" in sql
    assert "FROM bookings JOIN classes ON bookings.class_id = classes.id" in sql
    assert sql.endswith("GROUP BY 1, 2 ORDER BY total_seats DESC LIMIT 3")


def test_a_ranking_by_a_child_table_s_column_without_a_sum_said_is_left_open():
    query = _left_open("top 3 classes by seats")
    assert query.ambiguous


def test_different_rows_counted_in_each_group_are_the_references_of_the_table_between_them():
    sql = _understood("how many different classes in each member")
    assert sql == (
        "SELECT bookings.member_id, count(DISTINCT bookings.class_id) AS class_count "
        "FROM bookings GROUP BY 1"
    )


def test_different_rows_counted_through_two_tables_between_them_are_left_open():
    waitlist = _table(
        "waitlist",
        [("id", "integer"), ("member_id", "integer"), ("class_id", "integer")],
        [["member_id", "members", "id"], ["class_id", "classes", "id"]],
    )
    query = _read("how many different classes in each member", [*GYM, waitlist])
    assert query.unresolved or query.ambiguous, select_sql(query)


INVOICES = _table("invoices", [("id", "integer"), ("client", "text"), ("issued_at", "date")], [])
INVOICE_LINES = _table(
    "invoice_lines",
    [("id", "integer"), ("invoice_id", "integer"), ("qty", "integer"), ("price", "numeric")],
    [["invoice_id", "invoices", "id"]],
)


def test_a_grain_of_rows_without_a_date_is_of_the_date_of_the_table_they_refer_to():
    month = "CAST(date_trunc('month', invoices.issued_at) AS DATE)"
    for intent in (
        "sum of qty of invoice lines per month",
        "monthly qty of the invoice lines, by invoice month",
        "invoice lines: total qty per invoice month",
    ):
        query = _read(intent, [INVOICES, INVOICE_LINES])
        assert not query.unresolved and not query.ambiguous, (intent, query.unresolved)
        assert select_sql(query) == (
            f"SELECT {month} AS month, sum(invoice_lines.qty) AS total_qty FROM invoice_lines "
            "JOIN invoices ON invoice_lines.invoice_id = invoices.id GROUP BY 1"
        ), intent


USERS = _table("users", [("id", "integer"), ("name", "text"), ("country", "text")], [])
POSTS = _table(
    "posts",
    [("id", "integer"), ("author_id", "integer"), ("kind", "text"), ("likes", "integer")],
    [["author_id", "users", "id"]],
)


def test_a_group_said_as_a_reference_and_a_column_is_that_column_of_the_row_referred_to():
    for intent, groups in (
        ("number of posts per author country", "users.country"),
        ("count of posts by kind and author country", "posts.kind, users.country"),
    ):
        query = _read(intent, [USERS, POSTS])
        assert not query.unresolved and not query.ambiguous, (intent, query.unresolved)
        keys = ", ".join(str(n) for n in range(1, groups.count(",") + 2))
        assert select_sql(query) == (
            f"SELECT {groups}, count(*) AS post_count FROM posts "
            f"JOIN users ON posts.author_id = users.id GROUP BY {keys}"
        ), intent


def test_a_count_of_them_counts_the_rows_read_per_group():
    for intent in (
        "bookings by channel, count them",
        "aggregate bookings per channel - count them up",
    ):
        sql = _understood(intent)
        assert sql == (
            "SELECT bookings.channel, count(*) AS booking_count FROM bookings GROUP BY 1"
        ), intent
    _left_open("bookings by channel")  # grouped, but nothing said to compute


def test_group_said_as_a_verb_before_the_table_is_the_grouping():
    visits = _table("visits", [("id", "integer"), ("visit_type", "text")], [])
    query = _read("group visits by type and count them", [visits])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert select_sql(query) == (
        "SELECT visits.visit_type, count(*) AS visit_count FROM visits GROUP BY 1"
    )
