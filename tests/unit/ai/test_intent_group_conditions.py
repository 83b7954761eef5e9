"""The built-in understanding of conditions on the rows that refer to a table, on an invoicing
schema (vendors, invoices, invoice items, parts): an average, maximum or minimum of their amount
compared ("vendors with an average invoice above 700"), and their count compared when the count
is also asked as a column; one group per row of the table named, as for a sum compared."""

from __future__ import annotations

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.test_intent_relation_wording import BILLING


def _understood(intent: str) -> str:
    query = understand(intent, BILLING)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return select_sql(query)


def _left_open(intent: str) -> None:
    query = understand(intent, BILLING)
    assert query.unresolved or query.ambiguous, select_sql(query)


def test_an_average_of_the_referring_rows_amount_compared_keeps_the_groups():
    expected = (
        "SELECT invoices.vendor_id, avg(invoices.amount) AS avg_amount FROM invoices GROUP BY 1 "
        "HAVING avg(invoices.amount) > 700"
    )
    assert _understood("vendors with an average invoice above 700") == expected
    assert _understood("vendors with an average invoice of more than 700") == expected


def test_a_maximum_or_minimum_of_a_named_column_of_the_referring_rows_compared():
    assert _understood("vendors having a maximum invoice amount over 900") == (
        "SELECT invoices.vendor_id, max(invoices.amount) AS max_amount FROM invoices GROUP BY 1 "
        "HAVING max(invoices.amount) > 900"
    )
    assert _understood("vendors with the smallest invoice below 50, with their name") == (
        "SELECT vendors.id AS vendor_id, vendors.name AS vendor_name, min(invoices.amount) AS "
        "min_amount FROM invoices JOIN vendors ON invoices.vendor_id = vendors.id GROUP BY 1, 2 "
        "HAVING min(invoices.amount) < 50"
    )


def test_a_count_of_the_referring_rows_compared_and_asked_keeps_the_groups():
    assert _understood("parts that appear in more than 52 invoice items, with that count") == (
        "SELECT invoice_items.part_id, count(*) AS invoice_item_count FROM invoice_items "
        "GROUP BY 1 HAVING count(*) > 52"
    )
    assert _understood("vendors having at least 3 invoices and their invoice count") == (
        "SELECT invoices.vendor_id, count(*) AS invoice_count FROM invoices GROUP BY 1 "
        "HAVING count(*) >= 3"
    )


def test_a_count_compared_but_not_asked_leaves_the_rows_wanted_open():
    # the vendors' rows, or their ids and counts?
    _left_open("vendors with more than 11 invoices")


def test_an_aggregate_of_rows_that_do_not_refer_to_the_table_stays_open():
    _left_open("vendors with an average invoice item above 7")
