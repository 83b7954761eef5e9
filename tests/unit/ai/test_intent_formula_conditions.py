"""Formulas the offline planner compares or takes a tax out of, over a small schema (no services):
"basket items where quantity * unit_price is over 150" compares the product, not the table's money
column; "the amount without the 19% VAT" divides by 1.19; "excluding" is no typo of
"exceeding"."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql
from ai.generation.intent.understand import Query, understand
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

LINES = table(
    "basket_items",
    [
        Column("id", "integer", False),
        Column("quantity", "integer", False),
        Column("unit_price", "numeric(10,2)", False),
        Column("amount", "numeric(10,2)", False),
    ],
)


def _read(intent: str) -> Query:
    return understood(intent, [LINES])


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        (
            "basket items where quantity * unit_price is over 150",
            "basket_items.quantity * basket_items.unit_price > 150",
        ),
        (
            "basket items with quantity times unit_price over 200",
            "basket_items.quantity * basket_items.unit_price > 200",
        ),
        (
            "basket items whose line total (qty * unit_price) exceeds 300",
            "basket_items.quantity * basket_items.unit_price > 300",
        ),
        (
            "basket items where qty x unit price is between 100 and 200",
            "basket_items.quantity * basket_items.unit_price BETWEEN 100 AND 200",
        ),
        ("basket items where amount * 2 is above 500", "basket_items.amount * 2 > 500"),
    ],
)
def test_a_formula_compared_is_the_condition(intent: str, condition: str):
    query = _read(intent)
    assert query.where == [condition]
    assert [o.name for o in sql.outputs(query)] == ["id", "quantity", "unit_price", "amount"]


def test_a_formula_named_and_compared_is_a_column_and_a_condition():
    query = _read("basket items with line_total = qty * unit_price over 200")
    assert query.where == ["basket_items.quantity * basket_items.unit_price > 200"]
    assert sql.outputs(query)[-1].name == "line_total"


@pytest.mark.parametrize(
    ("intent", "name"),
    [
        ("basket items with net_amount = amount without the 19% vat", "net_amount"),
        ("basket items with amount excluding 19% vat as net", "net"),
        ("basket items, add amount excl. 19% VAT", "amount_without_vat"),
        ("basket items with net = amount minus 19% VAT", "net"),
    ],
)
def test_a_tax_taken_out_divides(intent: str, name: str):
    out = sql.outputs(_read(intent))[-1]
    assert (out.name, out.sql) == (name, "basket_items.amount / 1.19")


def test_a_tax_taken_out_of_a_column_unnamed_is_left_for_review():
    query = understand("basket items with amount excluding 19% vat", [LINES])
    assert query.unresolved and not query.where


@pytest.mark.parametrize(
    "intent",
    [
        "add line_total to basket_items: quantity * unit_price",
        "compute line_total for each basket item as quantity * unit_price",
        "line totals for basket items: quantity * unit_price",
    ],
)
def test_a_name_said_before_the_rows_it_is_added_to(intent: str):
    out = sql.outputs(_read(intent))[-1]
    assert (out.name, out.sql) == ("line_total", "basket_items.quantity * basket_items.unit_price")


@pytest.mark.parametrize(
    ("intent", "name"),
    [
        ("basket item line totals (qty*unit price)", "line_total"),
        ("basket items and their line total, i.e. quantity times unit price", "line_total"),
        ("basket items with a column line_total = quantity * unit_price", "line_total"),
        ("basket_items: compute line_total = quantity*unit_price", "line_total"),
        ("basket items with amount grossed up with 19% VAT (gross_amount)", "gross_amount"),
        ("add a gross_amount column to basket_items: amount plus 19% VAT", "gross_amount"),
        ("basket items showing gross_amount, i.e. amount plus 19% VAT", "gross_amount"),
    ],
)
def test_the_name_a_new_column_is_given(intent: str, name: str):
    assert sql.outputs(_read(intent))[-1].name == name
