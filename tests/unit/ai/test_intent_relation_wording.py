"""The built-in understanding of aggregations and joins as users word them, on an invoicing
schema (vendors, invoices, invoice items, parts): a ranking of a table by an amount of the rows
referring to it, a question's auxiliary and verb around a group, a count of a table of two words,
rows that some row of another table refers to (a semi-join), a column of the rows read listed
among columns of other tables, and the row table of an intent that names none."""

from __future__ import annotations

from functools import partial

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import Query, understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column, DatasetSchema

_table = partial(table, connection="billing", schema="public")

VENDORS = _table(
    "vendors",
    [("id", "integer"), ("name", "text"), Column("region", "text", True, ["north", "south"])],
)
INVOICES = _table(
    "invoices",
    [
        ("id", "integer"),
        ("vendor_id", "integer", False),
        Column("status", "text", False, ["draft", "paid", "void"]),
        ("amount", "numeric"),
        ("issued_at", "timestamptz"),
    ],
    [["vendor_id", "vendors", "id"]],
)
PARTS = _table(
    "parts", [("id", "integer"), ("name", "text"), ("family", "text"), ("price", "numeric")]
)
ITEMS = _table(
    "invoice_items",
    [
        ("id", "integer"),
        ("invoice_id", "integer", False),
        ("part_id", "integer", False),
        ("quantity", "integer"),
        ("unit_price", "numeric"),
    ],
    [["invoice_id", "invoices", "id"], ["part_id", "parts", "id"]],
)
PAYMENTS = _table(
    "payments",
    [("id", "integer"), ("payer_id", "integer"), ("amount", "numeric")],
    [["payer_id", "vendors", "id"]],
)
BILLING = [VENDORS, INVOICES, PARTS, ITEMS]


def _understood(intent: str, datasets: list[DatasetSchema] | None = None) -> str:
    query = understand(intent, datasets or BILLING)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return select_sql(query)


def _left_open(intent: str) -> Query:
    query = understand(intent, BILLING)
    assert query.unresolved or query.ambiguous, select_sql(query)
    return query


_TOP_VENDORS = (
    "SELECT vendors.id AS vendor_id, vendors.name AS vendor_name, sum(invoices.amount) AS "
    "total_amount FROM invoices JOIN vendors ON invoices.vendor_id = vendors.id GROUP BY 1, 2 "
    "ORDER BY total_amount DESC LIMIT 3"
)


def test_a_ranking_of_a_table_by_an_amount_of_the_rows_referring_to_it_sums_that_amount():
    assert _understood("top 3 vendors by invoice amount, with their name") == _TOP_VENDORS
    assert _understood("3 best vendors by invoice amount with name") == _TOP_VENDORS


def test_the_summed_amount_listed_again_by_its_column_is_that_sum():
    assert _understood("top 3 vendors by invoice amount, show id, name and amount") == _TOP_VENDORS


def test_a_ranking_by_a_rate_of_the_rows_referring_to_it_is_left_open():
    _left_open("top 3 parts by unit price")


def test_a_ranking_of_a_word_that_names_no_table_is_left_open():
    query = _left_open("the biggest 5 payers by invoice amount")
    assert query.limit is None


def test_a_question_s_auxiliary_and_verb_around_the_group_say_the_rows_counted():
    assert _understood("how many invoices did each vendor send") == (
        "SELECT invoices.vendor_id, count(*) AS invoice_count FROM invoices GROUP BY 1"
    )
    assert _understood("how many invoices does every vendor have") == (
        "SELECT invoices.vendor_id, count(*) AS invoice_count FROM invoices GROUP BY 1"
    )


def test_a_question_word_never_names_an_aggregate():
    sql = _understood("what is the number of invoices per status")
    assert sql == ("SELECT invoices.status, count(*) AS invoice_count FROM invoices GROUP BY 1")
    assert _understood("what's the average amount per status") == (
        "SELECT invoices.status, avg(invoices.amount) AS avg_amount FROM invoices GROUP BY 1"
    )


def test_a_count_of_a_table_named_in_two_words_counts_its_rows():
    sql = _understood("total quantity and number of line items per invoice status")
    assert "sum(invoice_items.quantity) AS total_quantity, count(*) AS invoice_item_count" in sql
    assert "FROM invoice_items JOIN invoices" in sql


def test_rows_a_row_of_the_table_a_verb_names_refers_to_are_a_semi_join():
    exists = "WHERE EXISTS (SELECT 1 FROM invoices WHERE invoices.vendor_id = vendors.id)"
    assert _understood("vendors who have invoiced").endswith(exists)
    assert _understood("vendors that sent an invoice").endswith(exists)
    assert _understood("parts that have been invoiced").endswith(
        "WHERE EXISTS (SELECT 1 FROM invoice_items WHERE invoice_items.part_id = parts.id)"
    )


def test_a_verb_no_table_stands_for_is_no_semi_join():
    _left_open("vendors who have complained")


def test_a_column_of_the_rows_read_listed_among_columns_of_other_tables_is_kept():
    sql = _understood("line items with invoice id, invoice status and part name")
    assert sql.startswith("SELECT invoice_items.id, invoice_items.invoice_id")
    assert "invoices.status, parts.name FROM invoice_items" in sql


def test_a_column_of_another_table_said_next_to_each_row():
    sql = _understood("the vendor's name next to each invoice")
    assert sql.endswith(
        "vendors.name FROM invoices LEFT JOIN vendors ON invoices.vendor_id = vendors.id"
    )


def test_with_no_table_named_the_rows_that_reach_the_other_columns_named_are_read():
    assert _understood("revenue by family, sum of quantity * unit_price") == (
        "SELECT parts.family, sum(invoice_items.quantity * invoice_items.unit_price) AS revenue "
        "FROM invoice_items JOIN parts ON invoice_items.part_id = parts.id GROUP BY 1"
    )


def test_a_question_ranking_by_what_the_rows_made_is_ranked_by_that_aggregate():
    sql = _understood("which 3 vendors generated the most revenue (quantity * unit_price)?")
    assert "sum(invoice_items.quantity * invoice_items.unit_price) AS revenue" in sql
    assert sql.endswith("GROUP BY 1, 2 ORDER BY revenue DESC LIMIT 3")


def test_the_earliest_and_latest_date_of_each_group():
    assert _understood("earliest and latest invoice date for every vendor") == (
        "SELECT invoices.vendor_id, min(invoices.issued_at) AS min_issued_at, "
        "max(invoices.issued_at) AS max_issued_at FROM invoices GROUP BY 1"
    )


def test_an_average_per_row_read_then_grouped_is_the_average_of_the_groups_rows():
    assert _understood("avg quantity per line item, broken down by part family") == (
        "SELECT parts.family, avg(invoice_items.quantity) AS avg_quantity FROM invoice_items "
        "JOIN parts ON invoice_items.part_id = parts.id GROUP BY 1"
    )


def test_rows_a_row_of_another_table_with_the_values_said_refers_to():
    assert _understood("vendors that have a void invoice").endswith(
        "WHERE EXISTS (SELECT 1 FROM invoices WHERE invoices.vendor_id = vendors.id "
        "AND invoices.status = 'void')"
    )


PAYING = [VENDORS, PAYMENTS]


def test_anonymous_rows_dropped_are_those_whose_one_optional_reference_is_set():
    sql = _understood("payments with the payer's name, drop anonymous payments", PAYING)
    assert sql.endswith("WHERE payments.payer_id IS NOT NULL")


def test_the_rows_a_reference_is_named_after_are_the_table_it_refers_to():
    sql = _understood("payments of payers from the north region", PAYING)
    assert "LEFT JOIN vendors ON payments.payer_id = vendors.id" in sql


def test_a_group_per_row_read_is_left_open():
    query = _left_open("total amount of every invoice by vendor")
    assert any("one group per invoice" in a for a in query.ambiguous)
