"""A rate said again in brackets after a formula's factor ("total * 1.19 (19% vat)") is read
with the factor; a percentage that is not the factor's is left for review."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.test_intent_factors import INVOICES


@pytest.mark.parametrize(
    ("intent", "formula"),
    [
        ("invoices plus gross = net * 1.19 (19% vat)", "invoices.net * 1.19 AS gross"),
        (
            "invoices with net_of_tax = net / 1.2 (20 percent tax)",
            "invoices.net / 1.2 AS net_of_tax",
        ),
        ("invoices with billed = net * 1.07 (7% surcharge)", "invoices.net * 1.07 AS billed"),
        ("invoices with net * 1.19 (19% VAT) as gross", "invoices.net * 1.19 AS gross"),
        ("invoices with gross = net * 1.05 (5 %)", "invoices.net * 1.05 AS gross"),
    ],
)
def test_a_rate_said_again_after_its_factor(intent: str, formula: str):
    query = understand(intent, [INVOICES])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert formula in intent_sql.select_sql(query)


def test_a_rate_that_is_not_the_factor_is_left_for_review():
    query = understand("invoices with billed = net * 1.07 (8% surcharge)", [INVOICES])
    assert query.unresolved or query.ambiguous
