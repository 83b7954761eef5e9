"""Computed columns the planner reads off a percentage of a column, over a small schema unlike
the intent suite's: a share of a column ("commission = 5% of the fee"), a new column only when so
named, never a condition ("a fee above 10% of the weight"); a column less a discount ("a 15%
discounted fee", "the fee with a 10% discount", "fee 10% off")."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

INVOICES = table(
    "invoices",
    [
        Column("id", "integer"),
        Column("net", "numeric(10,2)"),
        Column("weight_kg", "numeric(8,2)"),
        Column("issued_on", "date"),
    ],
)


def _sql(intent: str) -> str:
    query = understand(intent, [INVOICES])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return intent_sql.select_sql(query)


@pytest.mark.parametrize(
    ("intent", "expression"),
    [
        ("invoices, add a vat column = 19% of the net", "invoices.net * 0.19 AS vat"),
        ("invoices plus commission (5% of the net)", "invoices.net * 0.05 AS commission"),
        ("invoices, add commission: 5 percent of net", "invoices.net * 0.05 AS commission"),
    ],
)
def test_a_named_share_of_a_column_is_a_new_column(intent: str, expression: str):
    assert expression in _sql(intent)


@pytest.mark.parametrize(
    "intent",
    ["invoices where net = 10% of the weight_kg", "invoices with net above 10% of the weight_kg"],
)
def test_a_share_compared_is_no_new_column(intent: str):
    query = understand(intent, [INVOICES])
    assert query.unresolved or query.ambiguous or " AS " not in intent_sql.select_sql(query)


@pytest.mark.parametrize(
    "intent",
    [
        "invoices incl. a 15% discounted net",
        "invoices with the net with a 15% discount",
        "invoices plus net after a 15 percent discount",
        "invoices with net 15% off",
    ],
)
def test_a_discounted_column_is_the_column_less_the_share(intent: str):
    assert "invoices.net * 0.85 AS discounted_net" in _sql(intent)
