"""The offline planner's filters over a small logistics schema (no services): the date column the
words name, comparisons placed by their column, unit or verb, values looked up among the
column's sampled values, null-ness; and what it must not guess, left for review."""

from __future__ import annotations

import pytest

from ai.generation.intent.understand import Query, understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

CARRIERS = table(
    "carriers",
    [
        Column("id", "integer"),
        Column("name", "text", values=["DHL", "UPS"]),
        Column("service_level", "text", values=["economy", "express"]),
    ],
)
SHIPMENTS = table(
    "shipments",
    [
        Column("id", "integer"),
        Column("carrier_id", "integer"),
        Column("status", "text", values=["cancelled", "delivered", "in_transit", "lost"]),
        Column("destination_country", "text", values=["DE", "IT", "NL", "US"]),
        Column("weight_kg", "numeric(8,2)"),
        Column("cost", "numeric(10,2)"),
        Column("created_at", "timestamp with time zone"),
        Column("shipped_at", "timestamp with time zone"),
        Column("delivered_at", "timestamp with time zone"),
    ],
    [["carrier_id", "carriers", "id"]],
)


def _read(intent: str) -> Query:
    return understand(intent, [SHIPMENTS, CARRIERS])


def _understood(intent: str) -> list[str]:
    query = _read(intent)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return query.where


@pytest.mark.parametrize(
    ("intent", "column"),
    [
        ("shipments created in 2024", "created_at"),
        ("shipments from 2024", "created_at"),
        ("shipments dispatched in the second quarter of 2024", "shipped_at"),
        ("shipments sent out in Q2/2024", "shipped_at"),
        ("shipments with a delivery date in March 2024", "delivered_at"),
        ("shipments whose delivered_at is in March 2024", "delivered_at"),
        ("H2 2023 shipments by delivery date", "delivered_at"),
    ],
)
def test_the_date_column_is_the_one_the_words_name(intent: str, column: str):
    (where,) = _understood(intent)
    assert f'shipments."{column}" >=' in where or f"shipments.{column} >=" in where


@pytest.mark.parametrize(
    "intent",
    [
        "shipments created on 06/07/2024",  # June or July?
        "shipments shipped in H2 2023 by delivery date",  # two columns named
        "shipments picked up in 2024",  # a verb no column is named after
    ],
)
def test_a_date_in_doubt_is_left_for_review(intent: str):
    query = _read(intent)
    assert query.unresolved or query.ambiguous


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("shipments over 80 kg", "weight_kg > 80"),
        ("shipments with total>900", None),  # no column called total: money is the cost
        ("shipments costing 20 or less", "cost <= 20"),
        ("shipments weighing between 10 and 20 kg", "weight_kg BETWEEN 10 AND 20"),
        ("shipments below 50 in cost", "cost < 50"),
    ],
)
def test_comparisons_are_placed_on_their_column(intent: str, condition: str | None):
    query = _read(intent)
    if condition is None:
        assert query.where == ["shipments.cost > 900"]
    else:
        assert not query.unresolved and not query.ambiguous
        assert any(condition in w for w in query.where), query.where


def test_a_unit_no_column_is_measured_in_is_not_guessed():
    query = _read("shipments over 5 lbs")
    assert query.where == [] and query.unresolved


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("lost + returned shipments", None),  # returned is no status: left for review
        ("shipments that are either still lost or already delivered", "IN ('lost', 'delivered')"),
        ("shipments that weren't cancelled", "<> 'cancelled'"),
        ("shipments except the ones with status delivered", "<> 'delivered'"),
        ("non-cancelled shipments", "<> 'cancelled'"),
        ("shipments, cancelled excluded", "<> 'cancelled'"),
        ("shipments to the Netherlands", "= 'NL'"),
        ("shipments going to the US", "= 'US'"),
        ("DHL shipments", "carriers.name = 'DHL'"),
        ("shipments that got cancled", "= 'cancelled'"),
    ],
)
def test_values_are_found_in_the_column(intent: str, condition: str | None):
    query = _read(intent)
    if condition is None:
        assert query.unresolved or query.ambiguous
    else:
        assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
        assert any(condition in w for w in query.where), query.where


def test_two_values_of_one_column_asked_apart_are_ambiguous():
    query = _read("lost shipments and delivered shipments")
    assert query.ambiguous


@pytest.mark.parametrize("intent", ["send us the shipments", "shipments picked up in it"])
def test_common_words_are_no_codes_unless_capitalised(intent: str):
    query = _read(intent)
    assert not any("'US'" in w or "'UPS'" in w or "'IT'" in w for w in query.where)


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("shipments with no carrier assigned", "carrier_id IS NULL"),
        ("shipments where delivered_at is still null", "delivered_at IS NULL"),
        ("shipments with no delivery date", "delivered_at IS NULL"),
        ("shipments whose shipped_at is set", "shipped_at IS NOT NULL"),
        ("shipments with a carrier assigned", "carrier_id IS NOT NULL"),
    ],
)
def test_null_ness_in_words(intent: str, condition: str):
    (where,) = _understood(intent)
    assert condition in where.replace('"', "")


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("shipments with a cost of 500", "cost = 500"),
        ("shipments with a weight_kg of 2 or 3", "weight_kg IN (2, 3)"),
        ("shipments under fifty in cost", "cost < 50"),
        ("shipments whose cost does not exceed 20", "cost <= 20"),
    ],
)
def test_numbers_said_in_more_ways(intent: str, condition: str):
    (where,) = _understood(intent)
    assert condition in where


@pytest.mark.parametrize(
    "intent",
    [
        "shipments lost in 2024",  # no date of being lost
        "delivered shipments in March 2024",  # created or delivered in March?
        "shipments created in the past month",  # the month before, or the last 30 days?
        "express-ish shipments",  # a word placed only in part
    ],
)
def test_what_is_not_known_is_left_for_review(intent: str):
    query = _read(intent)
    assert query.unresolved or query.ambiguous


def test_a_word_placed_in_part_is_not_dropped():
    query = _read("lost-shipments")
    assert not query.unresolved and query.where == ["shipments.status = 'lost'"]
