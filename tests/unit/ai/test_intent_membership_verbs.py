"""A value named with a verb of membership ("products that belong to the kitchen category",
"products which fall under kitchen", "products filed under garden") is the column's value;
said with a negation, rows of any other value."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

PRODUCTS = table(
    "products",
    [
        Column("id", "integer"),
        Column("name", "text"),
        Column("category", "text", values=["kitchen", "garden", "toys"]),
    ],
)


def _sql(intent: str) -> str:
    query = understand(intent, [PRODUCTS])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return intent_sql.select_sql(query)


@pytest.mark.parametrize(
    "intent",
    [
        "which products belong to the kitchen category?",
        "products that belong to kitchen",
        "products that are in the kitchen category",
        "products which fall under the kitchen category",
        "products falling under kitchen",
        "products categorised as kitchen",
        "products that fall into the kitchen category",
        "products filed under kitchen",
        "products that sit in the kitchen category",
    ],
)
def test_a_value_named_with_a_verb_of_membership(intent: str):
    assert _sql(intent).endswith("WHERE products.category = 'kitchen'")


def test_a_membership_denied_keeps_the_other_values():
    sql = _sql("products that don't belong to the kitchen category")
    assert sql.endswith("WHERE products.category <> 'kitchen'")
