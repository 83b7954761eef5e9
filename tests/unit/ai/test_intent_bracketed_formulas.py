"""A new column's formula in brackets after its name ("with margin (price - cost)"), over a
small stock schema (no services): named by the words before the brackets, however the formula
is written inside them."""

from __future__ import annotations

import pytest

from ai.generation.intent.sql import select_sql
from tests.unit.ai.tables import table, understood

PARTS = table(
    "parts",
    [("id", "integer"), ("price", "numeric(10,2)"), ("cost", "numeric(10,2)"), ("qty", "integer")],
)


@pytest.mark.parametrize(
    ("intent", "column"),
    [
        ("parts with margin (price - cost)", "parts.price - parts.cost AS margin"),
        ("add margin (price - cost) to parts", "parts.price - parts.cost AS margin"),
        ("parts plus a margin column (price minus cost)", "parts.price - parts.cost AS margin"),
        ("parts incl. margin (price-cost)", "parts.price - parts.cost AS margin"),
        ("parts with the margin (i.e. price - cost)", "parts.price - parts.cost AS margin"),
        ("parts and their margin (= price - cost)", "parts.price - parts.cost AS margin"),
        ("parts, adding stock_value (qty * cost)", "parts.qty * parts.cost AS stock_value"),
        ("parts with stock value (qty times price)", "parts.qty * parts.price AS stock_value"),
        ("parts with unit_margin(price - cost)", "parts.price - parts.cost AS unit_margin"),
    ],
)
def test_a_formula_in_brackets_after_the_new_name(intent: str, column: str):
    assert select_sql(understood(intent, [PARTS])) == (
        f"SELECT parts.id, parts.price, parts.cost, parts.qty, {column} FROM parts"
    )
