"""A run of months to the end of a later month ("from jan to end of june 2024", "from march
through the end of may 2024", "jan-jun 2024" with a dash): the year said once applies to both
ends, and the end of a month is the first day of the next, not included."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

ORDERS = table(
    "orders",
    [
        Column("id", "integer"),
        Column("placed_at", "timestamp with time zone"),
        Column("total", "numeric(10,2)"),
    ],
)


@pytest.mark.parametrize(
    ("intent", "lo", "hi"),
    [
        ("all orders from jan to end of june 2024", "2024-01-01", "2024-07-01"),
        ("orders from march through the end of may 2024", "2024-03-01", "2024-06-01"),
        ("orders jan\u2013jun 2024", "2024-01-01", "2024-07-01"),
        ("orders between feb and april 2023", "2023-02-01", "2023-05-01"),
        ("orders between feb and end of april 2023", "2023-02-01", "2023-05-01"),
        ("orders from the start of march to the end of may 2024", "2024-03-01", "2024-06-01"),
        ("orders from jan until end of june 2024", "2024-01-01", "2024-07-01"),
        ("orders from january 2024 to end of june 2024", "2024-01-01", "2024-07-01"),
        ("orders from march 2023 till the end of feb 2024", "2023-03-01", "2024-03-01"),
    ],
)
def test_a_run_of_months_to_the_end_of_the_last(intent: str, lo: str, hi: str):
    query = understand(intent, [ORDERS])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert intent_sql.select_sql(query).endswith(
        f"WHERE orders.placed_at >= DATE '{lo}' AND orders.placed_at < DATE '{hi}'"
    )


@pytest.mark.parametrize(
    "intent", ["orders from june to end of march 2024", "orders from jan to end of june"]
)
def test_a_run_whose_years_are_not_known_is_left_for_review(intent: str):
    query = understand(intent, [ORDERS])
    assert query.unresolved or query.ambiguous
