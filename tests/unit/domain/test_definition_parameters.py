"""The ``:name`` parameters a definition's SQL uses, each query parsed once per text."""

from __future__ import annotations

from domain.definition import PipelineDefinition
from domain.definition.model import sql_placeholders


def _definition(query: str, transformation: str) -> PipelineDefinition:
    return PipelineDefinition.model_validate(
        {
            "sources": {"src": {"connection": "c", "query": query}},
            "transformations": [{"name": "recent", "sql": transformation}],
            "sinks": {"out": {"connection": "d", "table": "public.o", "mode": "replace"}},
            "orchestration": {"parameters": {"region": "eu"}},
        }
    )


def test_missing_parameters_are_those_neither_given_nor_defaulted():
    definition = _definition(
        "SELECT * FROM orders WHERE region = :region AND day >= :since",
        "SELECT * FROM src WHERE amount > :min_amount",
    )
    assert definition.placeholders() == {"region", "since", "min_amount"}
    assert definition.missing_parameters({}) == ["min_amount", "since"]
    assert definition.missing_parameters({"since": "2024-01-01", "min_amount": 1}) == []


def test_each_query_text_is_parsed_once():
    query = "SELECT * FROM orders WHERE tag = :parsed_once_tag"
    first = _definition(query, "SELECT * FROM src")
    first.missing_parameters({})
    hits = sql_placeholders.cache_info().hits
    # Another definition (another version) with the same SQL: answered from what was parsed.
    second = _definition(query, "SELECT * FROM src")
    assert second.missing_parameters({}) == ["parsed_once_tag"]
    assert sql_placeholders.cache_info().hits == hits + 2
