"""A factor written as a sum in brackets ("price * (1 + 7%)", "price * (1 - 0.25)") is the one
number it makes; a name written as a rate ("net/km (…)") is that rate's name; a tax said before
its column ("7% VAT on top of the net") is added to it; over a schema
unlike the suite's."""

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
        Column("distance_km", "integer"),
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


@pytest.mark.parametrize(
    "intent",
    ["invoices with net/km (net / distance_km)", "invoices plus net/km = net / distance_km"],
)
def test_a_name_written_as_a_rate(intent: str):
    query = understand(intent, [INVOICES])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert "invoices.net / invoices.distance_km AS net_per_km" in intent_sql.select_sql(query)


def test_a_tax_said_before_the_column_it_is_added_to():
    query = understand("invoices with billed = 7% VAT on top of the net", [INVOICES])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert "invoices.net * 1.07 AS billed" in intent_sql.select_sql(query)
