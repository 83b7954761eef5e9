"""Computed columns the planner reads off a unit, a tax or a span of time, over a small freight
schema unlike the intent suite's (no services): a column of a known unit converted to another
one ("the weight in grams", "the fee in cents"), a tax added as a new column when the intent
says it is added, and the time a span's name stands for ("time in transit")."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

CRATES = table(
    "crates",
    [
        Column("id", "integer"),
        Column("label", "text"),
        Column("weight_kg", "numeric(8,2)"),
        Column("height_cm", "integer"),
        Column("fee", "numeric(10,2)"),
        Column("state", "text", values=["delivered", "packed", "in transit"]),
        Column("packed_at", "timestamp with time zone"),
        Column("dispatched_at", "timestamp with time zone"),
        Column("received_at", "timestamp with time zone"),
    ],
)


def _sql(intent: str) -> str:
    query = understand(intent, [CRATES])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return intent_sql.select_sql(query)


@pytest.mark.parametrize(
    ("intent", "expression"),
    [
        ("crates with the weight in grams", "crates.weight_kg * 1000 AS weight_g"),
        ("crates, weight converted to tonnes", "crates.weight_kg / 1000.0 AS weight_t"),
        ("crates plus the height in metres", "crates.height_cm / 100.0 AS height_m"),
        ("crates with height in mm", "crates.height_cm * 10 AS height_mm"),
        ("crates with the fee in cents", "crates.fee * 100 AS fee_cents"),
        ("crates with fee in thousands", "crates.fee / 1000.0 AS fee_thousands"),
        ("crates plus the fee in millions of euros", "crates.fee / 1000000.0 AS fee_millions"),
    ],
)
def test_a_column_of_a_known_unit_is_converted_to_the_unit_named(intent: str, expression: str):
    assert expression in _sql(intent)


def test_a_column_in_its_own_unit_or_compared_is_no_conversion():
    for intent in ("crates with a weight in kg", "crates with the weight in grams above 500"):
        assert "1000" not in intent_sql.select_sql(understand(intent, [CRATES]))


def test_a_column_of_no_known_unit_is_not_converted():
    query = understand("crates with the state in grams", [CRATES])
    assert query.unresolved or query.ambiguous


@pytest.mark.parametrize(
    "intent",
    [
        "crates, add a fee with 20% VAT",
        "crates plus fee with 20% VAT",
        "crates + a fee with 20% vat column",
    ],
)
def test_a_tax_said_to_be_added_is_a_new_column(intent: str):
    assert "crates.fee * 1.2 AS fee_with_vat" in _sql(intent)


@pytest.mark.parametrize(
    ("intent", "unit"),
    [
        ("delivered crates with the time in transit in hours", 3600),
        ("transit time in days of each crate", 86400),
        ("crates with hours spent in transit", 3600),
    ],
)
def test_a_span_is_the_time_between_the_moments_its_name_says(intent: str, unit: int):
    expected = f"EXTRACT(EPOCH FROM crates.received_at - crates.dispatched_at) / {unit}"
    assert expected in _sql(intent)


def test_a_span_without_a_unit_is_left_for_review():
    query = understand("crates with the time in transit", [CRATES])
    assert query.unresolved or query.ambiguous


@pytest.mark.parametrize(
    "intent",
    [
        "crates with the number of hours in transit",
        "crates, hours in transit = received_at - dispatched_at",
        "crates plus their transit duration in hours, i.e. received_at minus dispatched_at",
        "crates with the hours between dispatched_at and received_at",
    ],
)
def test_a_duration_is_named_by_its_span_and_unit(intent: str):
    assert "/ 3600 AS transit_hours" in _sql(intent)


@pytest.mark.parametrize(
    "intent", ["crates with their fee per kilo", "crates plus fee per kilogram"]
)
def test_a_rate_is_named_by_the_unit_its_column_holds(intent: str):
    assert "crates.fee / crates.weight_kg AS fee_per_kg" in _sql(intent)


@pytest.mark.parametrize(
    "intent",
    [
        "crates with transit time in hours (dispatched_at → received_at)",
        "crates with transit hours, from dispatched_at to received_at",
        "crates + transit hours using dispatched_at and received_at",
        "crates with hours in transit (difference between dispatched_at and received_at)",
        "crates with the transit time in hours between dispatched_at and received_at",
    ],
)
def test_a_span_said_again_by_its_moments_keeps_every_column(intent: str):
    sql = _sql(intent)
    assert sql.startswith("SELECT crates.id, crates.label"), sql  # the moments are no picks
    assert "/ 3600 AS transit_hours" in sql
