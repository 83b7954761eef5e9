"""The built-in understanding of rankings by what was spent, said with a verb, on a shop schema:
"the 5 customers who spent the most on orders, with name and total spent" ranks the customers by
the sum of their orders' money; left open when the money spent is not one column."""

from __future__ import annotations

import pytest

from ai.generation.intent.understand import understand
from tests.unit.ai.test_intent_terse_lists import SHOP, _sql


@pytest.mark.parametrize(
    ("intent", "n", "spent"),
    [
        ("the 5 customers who spent the most on orders, with name and total spent", 5, "orders"),
        ("3 customers that spent the most on their orders, with name and total spent", 3, "orders"),
        ("the 5 customers who spent the most on sales, with name and amount spent", 5, "sales"),
    ],
)
def test_a_ranking_by_what_was_spent_on_the_rows_named(intent: str, n: int, spent: str) -> None:
    sql = _sql(intent)
    money = {"orders": "orders.total", "sales": "sales.amount"}[spent]
    assert f"sum({money}) AS total_spent" in sql and "customers.name" in sql
    assert sql.endswith(f"GROUP BY 1, 2 ORDER BY total_spent DESC LIMIT {n}")


@pytest.mark.parametrize(
    "intent",
    [
        "the 5 customers who spent the most, with name and total spent",  # orders or sales?
        "the 5 customers who spent the most on products, with name",  # no money of products
    ],
)
def test_a_ranking_by_spending_left_open_when_the_money_is_not_one(intent: str) -> None:
    query = understand(intent, SHOP)
    assert query.unresolved or query.ambiguous
