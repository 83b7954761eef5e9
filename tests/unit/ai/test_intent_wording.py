"""Harmless wording around an intent (no services): short forms written out, other names of
tables, framing and verbs that move the table are placed; each only where the schema shows it
carries no condition, column or table, so a word that could mean something is never dropped."""

from __future__ import annotations

import pytest

from ai.generation.intent.understand import understand
from ai.generation.intent.wording import expand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

CUSTOMERS = table(
    "customers",
    [
        Column("id", "integer"),
        Column("name", "text"),
        Column("country", "text", values=["DE", "FR", "US"]),
    ],
)
SALES = table(
    "sales",
    [Column("id", "integer"), Column("customer_id", "integer"), Column("amount", "numeric")],
    [["customer_id", "customers", "id"]],
)
ITEMS = table(
    "order_items",
    [Column("id", "integer"), Column("quantity", "integer"), Column("unit_price", "numeric")],
)
SCHEMA = [CUSTOMERS, SALES, ITEMS]


@pytest.mark.parametrize(
    ("intent", "root", "columns"),
    [
        ("I'd like a copy of the customers", "customers", None),
        ("could you please ship the sales to the warehouse", "sales", None),
        ("sync clients to the dwh", "customers", None),
        ("copy over the line items", "order_items", None),
        ("customers, two columns: name and country, nothing else", "customers", 2),
        ("sales, columns id / amount, nothing else", "sales", 2),
        ("I'd like the sales over 100 pulled into the warehouse", "sales", None),
        ("sales, i.e. every sale there is", "sales", None),
        ("would you kindly load the customers asap, thanks", "customers", None),
        ("a straight copy of sales, no filters, unchanged", "sales", None),
    ],
)
def test_harmless_wording_is_placed(intent: str, root: str, columns: int | None) -> None:
    query = understand(intent, SCHEMA)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert query.root.table == root
    assert (None if query.columns is None else len(query.columns)) == columns


def test_short_forms_are_written_out() -> None:
    assert expand("avg amt per cust", SCHEMA) == "avg amount per customer"
    query = understand("sales amt over 100", SCHEMA)
    assert query.where == ["sales.amount > 100"] and not query.unresolved


def test_a_short_form_the_schema_uses_is_kept() -> None:
    amt = table("payments", [Column("id", "integer"), Column("amt", "numeric")])
    assert expand("payments with amt over 5", [amt]) == "payments with amt over 5"


def test_another_name_of_a_table_yields_to_a_table_so_called() -> None:
    clients = table("clients", [Column("id", "integer"), Column("name", "text")])
    assert understand("all clients", [CUSTOMERS, clients]).root.table == "clients"


@pytest.mark.parametrize(
    ("intent", "left"),
    [
        ("customers, two columns: name, country and id", "two"),  # three columns, not two
        ("customers, nothing else", "nothing else"),  # no columns named: says nothing
        ("sales shipping to DE", "shipping"),  # a verb inside the intent, not its first word
        ("sales pulled into 2024", "pulled"),  # moved into no system
        ("sales over 100, no filters", "no filters"),  # a condition was said: which is meant?
        ("customers with a name like Anna", "like anna"),  # LIKE is a condition
    ],
)
def test_words_that_may_mean_something_are_left(intent: str, left: str) -> None:
    query = understand(intent, SCHEMA)
    assert any(left in words for words in query.unresolved), query.unresolved


ORDERS = table(
    "orders",
    [Column("id", "integer"), Column("customer_id", "integer"), Column("total", "numeric")],
    [["customer_id", "customers", "id"]],
)


def test_a_formula_said_again_is_one_column() -> None:
    query = understand("orders + gross_total (total incl. 19% VAT, i.e. total * 1.19)", [ORDERS])
    assert not query.unresolved, query.unresolved
    assert [(p.name, p.sql) for p in query.picks] == [("gross_total", "orders.total * 1.19")]


def test_a_share_added_without_a_new_name_may_describe_the_column_itself() -> None:
    query = understand("orders with total including 19% VAT", [ORDERS])
    assert query.unresolved and not query.picks


def test_the_one_sum_named_again() -> None:
    query = understand(
        "the 5 biggest customers by the sum of their order totals, with their id, name and the "
        "total they spent",
        [ORDERS, CUSTOMERS],
    )
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert [a.sql for a in query.aggregates] == ["sum(orders.total)"]
    assert sorted(g.sql for g in query.groups) == ["customers.id", "customers.name"]


def test_the_columns_counted_are_those_of_the_groups_and_aggregates() -> None:
    query = understand("number of sales per customer, just those two columns", SCHEMA)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert understand("number of sales per customer, three columns", SCHEMA).unresolved
