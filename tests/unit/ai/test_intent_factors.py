"""A factor written as a sum in brackets ("price * (1 + 7%)", "price * (1 - 0.25)") is the one
number it makes, over a schema unlike the suite's."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from workflows.generation_payloads import Column, DatasetSchema

INVOICES = DatasetSchema(
    "invoices",
    "src",
    "postgresql",
    "postgres",
    None,
    "invoices",
    [
        Column("id", "integer"),
        Column("net", "numeric(10,2)"),
        Column("issued_on", "date"),
    ],
    ["id"],
)


@pytest.mark.parametrize(
    ("intent", "formula"),
    [
        ("invoices with gross = net * (1 + 7%)", "invoices.net * 1.07 AS gross"),
        ("invoices with gross = net * (1+0.2)", "invoices.net * 1.2 AS gross"),
        ("invoices with reduced = net * (1 - 25 percent)", "invoices.net * 0.75 AS reduced"),
    ],
)
def test_a_factor_in_brackets_is_its_number(intent: str, formula: str):
    query = understand(intent, [INVOICES])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert formula in intent_sql.select_sql(query)
