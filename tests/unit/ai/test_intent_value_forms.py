"""A value named by another form of its word: "refunding requests" is the value "refund";
a participle ("reopened") is never reached from an -ing form; a country said as a market ("the
DE market"), over schemas unlike the suite's."""

from __future__ import annotations

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from workflows.generation_payloads import Column, DatasetSchema

REQUESTS = DatasetSchema(
    "requests",
    "src",
    "postgresql",
    "postgres",
    None,
    "requests",
    [
        Column("id", "integer"),
        Column("action", "text", values=["refund", "exchange", "upgrade"]),
        Column("state", "text", values=["open", "reopened", "closed"]),
        Column("filed_at", "timestamp with time zone"),
    ],
    ["id"],
)
STORES = DatasetSchema(
    "stores",
    "src",
    "postgresql",
    "postgres",
    None,
    "stores",
    [
        Column("id", "integer"),
        Column("city", "text"),
        Column("country", "varchar(2)", values=["AT", "CH", "DE"]),
    ],
    ["id"],
)


def test_the_ing_form_of_a_value_is_that_value():
    query = understand("refunding requests", [REQUESTS])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert "requests.action = 'refund'" in intent_sql.select_sql(query)


def test_the_ing_form_of_a_participle_value_is_not_that_value():
    query = understand("reopening requests", [REQUESTS])
    assert "reopened" not in intent_sql.select_sql(query)
    assert query.unresolved or query.ambiguous


def test_a_country_said_as_a_market():
    query = understand("stores of the CH market", [STORES])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert "stores.country = 'CH'" in intent_sql.select_sql(query)
