"""Declarative steps compile to one SELECT each; definitions refuse bad steps and checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain import transforms
from domain.definition import PipelineDefinition, age_seconds, definition_json_schema
from domain.planner import compile_plan, rewrite_tables
from workflows.payloads import RunInput


def test_rename_adds_stand_ins_that_the_transform_step_puts_in_place():
    sql = transforms.compile_rename("orders", {"a": "x", "b": "y"})
    assert sql == (
        'SELECT *, "_dw_in"."a" AS "__dw_as__x", "_dw_in"."b" AS "__dw_as__y" '
        'FROM "orders" AS _dw_in'
    )
    renames = transforms.renamed_columns(sql)
    assert renames == {"__dw_as__x": "a", "__dw_as__y": "b"}
    names = ["id", "a", "note", "b", "__dw_as__x", "__dw_as__y"]
    assert transforms.replacements(names, renames) == [
        ("id", "id"),
        ("__dw_as__x", "x"),
        ("note", "note"),
        ("__dw_as__y", "y"),
    ]  # the renamed columns keep their place
    assert transforms.renamed_columns(transforms.compile_cast("orders", {"a": "int"})) == {}
    with pytest.raises(ValueError, match="rename of columns the data does not have"):
        transforms.replacements(["id", "__dw_as__x"], {"__dw_as__x": "a"})


def test_cast_adds_stand_ins_that_the_transform_step_puts_in_place():
    assert transforms.compile_cast("orders", {"amount": "numeric(12,2)", "day": "date"}) == (
        'SELECT *, CAST("_dw_in"."amount" AS DECIMAL(12, 2)) AS "__dw_as__amount", '
        'CAST("_dw_in"."day" AS DATE) AS "__dw_as__day" FROM "orders" AS _dw_in'
    )
    names = ["id", "amount", "note", "day", "__dw_as__amount", "__dw_as__day"]
    assert transforms.replacements(names) == [
        ("id", "id"),
        ("__dw_as__amount", "amount"),
        ("note", "note"),
        ("__dw_as__day", "day"),
    ]
    assert transforms.replacements(["id", "amount"]) is None
    with pytest.raises(ValueError, match="does not have"):
        transforms.replacements(["id", "__dw_as__ghost"])


def test_filter_derive_and_lookup_join():
    assert transforms.compile_filter("orders", "amount > 0 AND currency = 'EUR'") == (
        "SELECT * FROM \"orders\" AS _dw_in WHERE amount > 0 AND currency = 'EUR'"
    )
    assert transforms.compile_derive("orders", {"gross": "amount * 1.2", "Cur": "lower(c)"}) == (
        'SELECT *, (amount * 1.2) AS "gross", (LOWER(c)) AS "Cur" FROM "orders" AS _dw_in'
    )
    assert transforms.compile_lookup_join(
        "orders", "rates", {"currency": "code", "day": "day"}, ["rate"], "inner"
    ) == (
        'SELECT _dw_in.*, "_dw_lookup"."rate" FROM "orders" AS _dw_in INNER JOIN "rates" AS '
        '_dw_lookup ON "_dw_in"."currency" = "_dw_lookup"."code" '
        'AND "_dw_in"."day" = "_dw_lookup"."day"'
    )


def test_parameters_survive_compilation():
    sql = transforms.compile_filter("orders", "day >= :start_date")
    definition = PipelineDefinition.model_validate(
        _definition(transformations=[_filter("recent", "day >= :start_date")])
    )
    assert definition.placeholders() == {"start_date"}
    assert "%(start_date)s" in sql


def test_planner_points_every_reference_at_staging_tables():
    sql = transforms.compile_rename("orders", {"a": "b"})
    rewritten = rewrite_tables(sql, {"orders": "_ductwork.r_1_x_orders"})
    assert rewritten.count('"_ductwork"."r_1_x_orders"') == 1
    assert '"orders"' not in rewritten.replace("AS orders", "")


def test_steps_chain_through_the_definition_and_the_plan():
    definition = PipelineDefinition.model_validate(
        _definition(
            transformations=[
                {"name": "renamed", "type": "rename", "input": "orders", "columns": {"a": "b"}},
                {"name": "typed", "type": "cast", "input": "renamed", "columns": {"b": "int"}},
                {"name": "kept", "type": "filter", "input": "typed", "condition": "b > 0"},
                {"name": "more", "type": "derive", "input": "kept", "columns": {"c": "b * 2"}},
                {
                    "name": "joined",
                    "type": "lookup_join",
                    "input": "more",
                    "lookup": "rates",
                    "on": {"b": "id"},
                    "columns": ["rate"],
                },
            ],
            quality_checks=[
                {
                    "name": "no_orphans",
                    "type": "custom_sql",
                    "sql": "SELECT count(*) FROM joined WHERE rate IS NULL AND b > :floor",
                },
                {"type": "freshness", "column": "day", "max_age": "7d", "severity": "approve"},
            ],
            orchestration={"parameters": {"floor": 3}},
        )
    )
    chain = {"orders", "rates", "renamed", "typed", "kept", "more", "joined"}
    assert definition.lineage("joined") == chain
    plan = compile_plan(
        definition,
        RunInput("exec-1", "default", "p-1", 1),
        {"c": "conn-1"},
        staging_schema="_ductwork",
        pipeline_name="p",
    )
    assert [t.ref.name for t in plan.transforms] == [
        "transform_renamed",
        "transform_typed",
        "transform_kept",
        "transform_more",
        "transform_joined",
    ]
    assert '"_ductwork"' in plan.transforms[-1].sql and '"rates"' not in plan.transforms[-1].sql
    custom, fresh = plan.quality[0].checks
    assert custom.sql is not None and "_t_joined" in custom.sql and "> 3" in custom.sql
    assert (fresh.max_age, fresh.max_age_seconds, fresh.severity) == ("7d", 7 * 86400, "approve")
    assert fresh.name == "freshness_2" and fresh.column == "day"


def test_sql_stays_the_default_type_and_reports_errors_at_its_field():
    definition = PipelineDefinition.model_validate(
        _definition(transformations=[{"name": "t", "sql": "SELECT * FROM orders"}])
    )
    assert definition.transformations[0].type == "sql"
    with pytest.raises(ValidationError) as caught:
        PipelineDefinition.model_validate(
            _definition(transformations=[{"name": "t", "sql": "DELETE FROM orders"}])
        )
    (error,) = caught.value.errors()
    assert error["loc"] == ("transformations", 0, "sql")
    assert "only a SELECT" in error["msg"]


def test_stored_definitions_round_trip():
    body = _definition(
        transformations=[
            {"name": "r", "type": "rename", "input": "orders", "columns": {"a": "b"}},
            {
                "name": "j",
                "type": "lookup_join",
                "input": "r",
                "lookup": "rates",
                "on": {"b": "id"},
                "columns": ["rate"],
            },
        ],
        quality_checks=[{"type": "accepted_values", "column": "b", "values": ["x", 1, 2.5, True]}],
    )
    definition = PipelineDefinition.model_validate(body)
    stored = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    again = PipelineDefinition.model_validate(stored)
    assert [t.sql for t in again.transformations] == [t.sql for t in definition.transformations]
    assert again.quality_checks[0].values == ["x", 1, 2.5, True]


@pytest.mark.parametrize(
    ("step", "loc", "words"),
    [
        (
            {"type": "cast", "input": "orders", "columns": {"a": "money please"}},
            ("transformations", 0),
            "'money please' is not a SQL data type",
        ),
        (
            {"type": "cast", "input": "orders", "columns": {"a": "int; DROP TABLE x"}},
            ("transformations", 0),
            "is not a SQL data type",
        ),
        (
            {"type": "filter", "input": "orders", "condition": "a > 1; DROP TABLE orders"},
            ("transformations", 0),
            "does not parse as one SQL expression",
        ),
        (
            {"type": "filter", "input": "orders", "condition": "a = 1) OR (1 = 1"},
            ("transformations", 0),
            "does not parse as one SQL expression",
        ),
        (
            {
                "type": "filter",
                "input": "orders",
                "condition": "a IN (WITH d AS (DELETE FROM orders RETURNING a) SELECT a FROM d)",
            },
            ("transformations", 0),
            "contains a statement that writes",
        ),
        (
            {"type": "derive", "input": "orders", "columns": {"x": "SELECT 1"}},
            ("transformations", 0),
            "expression for 'x' does not parse",
        ),
        (
            {"type": "derive", "input": "orders", "columns": {"__dw_as__x": "1"}},
            ("transformations", 0),
            "reserved",
        ),
        (
            {"type": "cast", "input": "orders", "columns": {"c" * 55: "int"}},
            ("transformations", 0),
            "longer than 54 bytes",
        ),
        (
            {"type": "rename", "input": "orders", "columns": {"a": "c", "b": "c"}},
            ("transformations", 0),
            "two columns the same name",
        ),
        (
            {"type": "rename", "input": "orders", "columns": {"a": "x" * 64}},
            ("transformations", 0),
            "longer than 63 bytes",
        ),
        (
            {"type": "rename", "input": "orders", "columns": {}},
            ("transformations", 0, "columns"),
            "at least 1 item",
        ),
        (
            {"type": "rename", "input": "orders", "columns": {"a": "b"}, "sql": "SELECT 1"},
            ("transformations", 0, "sql"),
            "Extra inputs",
        ),
        (
            {"type": "lookup_join", "input": "orders", "lookup": "rates", "on": {"a": "b"}},
            ("transformations", 0, "columns"),
            "Field required",
        ),
        (
            {
                "type": "lookup_join",
                "input": "orders",
                "lookup": "rates",
                "on": {"a": "b"},
                "columns": ["c"],
                "how": "outer",
            },
            ("transformations", 0, "how"),
            "'left' or 'inner'",
        ),
        (
            {
                "type": "lookup_join",
                "input": "orders",
                "lookup": "ghost",
                "on": {"a": "b"},
                "columns": ["c"],
            },
            (),
            "reads 'ghost', which is not a source or an earlier transformation",
        ),
        (
            {"type": "filter", "input": "t", "condition": "true"},
            (),
            "reads 't', which is not a source or an earlier transformation",
        ),
        (
            {"type": "pivot", "input": "orders"},
            ("transformations", 0),
            "'type' must be one of 'sql', 'rename', 'cast', 'filter', 'derive', 'lookup_join'",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_steps_are_refused_with_their_location(step, loc, words):
    with pytest.raises(ValidationError) as caught:
        PipelineDefinition.model_validate(_definition(transformations=[{"name": "t", **step}]))
    errors = caught.value.errors()
    assert any(e["loc"] == loc and words in e["msg"] for e in errors), errors


@pytest.mark.parametrize(
    ("check", "words"),
    [
        ({"type": "accepted_values", "column": "s"}, "needs 'values'"),
        ({"type": "accepted_values", "values": ["a"]}, "needs 'column'"),
        ({"type": "accepted_values", "column": "s", "values": []}, "needs 'values'"),
        ({"type": "range", "column": "n"}, "needs 'min' or 'max'"),
        ({"type": "range", "column": "n", "min": 5, "max": 1}, "'min' (5) is greater than 'max'"),
        ({"type": "range", "column": "d", "min": "yesterday"}, "ISO date or timestamp"),
        (
            {"type": "range", "column": "d", "min": 1, "max": "2026-01-01"},
            "must both be numbers or dates",
        ),
        (
            {"type": "range", "column": "d", "min": "2026-02-01", "max": "2026-01-01"},
            "greater than 'max'",
        ),
        ({"type": "range", "column": "n", "min": True}, "not a boolean"),
        ({"type": "freshness", "column": "t"}, "needs 'max_age'"),
        ({"type": "freshness", "column": "t", "max_age": "1 day"}, "'30m', '24h' or '7d'"),
        ({"type": "freshness", "column": "t", "max_age": "0h"}, "not a duration"),
        ({"type": "custom_sql"}, "needs 'sql'"),
        ({"type": "custom_sql", "sql": "DELETE FROM orders"}, "only a SELECT"),
        ({"type": "custom_sql", "sql": "SELECT count(*) FROM ghost"}, "reads 'ghost'"),
        (
            {"type": "custom_sql", "sql": "SELECT 0", "dataset": "orders"},
            "does not take 'dataset'",
        ),
        ({"type": "not_null", "columns": ["a"], "values": [1]}, "does not take 'values'"),
        ({"type": "not_null", "column": "a"}, "does not take 'column'"),
        ({"type": "unique"}, "needs 'columns'"),
        ({"type": "row_count"}, "needs 'min' or 'max'"),
        ({"type": "row_count", "min": 1.5}, "whole number >= 0"),
        ({"type": "row_count", "max": -1}, "whole number >= 0"),
        ({"type": "row_count", "min": 3, "max": 2}, "greater than 'max'"),
        ({"type": "row_count", "min": 1, "severity": "block"}, "'warn', 'fail' or 'approve'"),
        ({"type": "schema", "columns": ["a"]}, "'custom_sql'"),
    ],
)
def test_bad_quality_checks_are_refused_with_a_clear_message(check, words):
    with pytest.raises(ValidationError) as caught:
        PipelineDefinition.model_validate(_definition(quality_checks=[check]))
    messages = " | ".join(e["msg"] for e in caught.value.errors())
    assert words in messages, messages


def test_every_check_type_is_accepted():
    definition = PipelineDefinition.model_validate(
        _definition(
            quality_checks=[
                {"type": "row_count", "min": 0, "max": 10},
                {"type": "not_null", "columns": ["a"]},
                {"type": "unique", "columns": ["a", "b"], "dataset": "rates"},
                {"type": "accepted_values", "column": "s", "values": ["paid", "refunded"]},
                {"type": "range", "column": "n", "min": -1.5, "max": 10},
                {"type": "range", "column": "d", "min": "2026-01-01", "max": "2026-12-31T23:59Z"},
                {"type": "freshness", "column": "t", "max_age": "30m", "severity": "warn"},
                {"type": "custom_sql", "sql": "SELECT count(*) FROM orders JOIN rates USING (a)"},
                {"type": "row_count", "min": 1, "severity": "approve"},
            ]
        )
    )
    assert [c.inputs() for c in definition.quality_checks][-2:] == [["orders", "rates"], [None]]


def test_ages():
    assert [age_seconds(a) for a in ("45s", "30m", "24h", "7d", "2w")] == [
        45,
        1800,
        86400,
        7 * 86400,
        14 * 86400,
    ]


def test_schema_publishes_every_step_and_check_type():
    schema = definition_json_schema()
    variants = schema["properties"]["transformations"]["items"]["oneOf"]
    assert [v["$ref"].rsplit("/", 1)[1] for v in variants] == [
        "SqlTransformation",
        "RenameStep",
        "CastStep",
        "FilterStep",
        "DeriveStep",
        "LookupJoinStep",
    ]
    check = schema["$defs"]["QualityCheck"]["properties"]
    assert "custom_sql" in check["type"]["enum"] and "max_age" in check
    assert schema["$defs"]["Severity"]["enum"] == ["warn", "fail", "approve"]


def _filter(name: str, condition: str) -> dict:
    return {"name": name, "type": "filter", "input": "orders", "condition": condition}


def _definition(**parts) -> dict:
    return {
        "sources": {
            "orders": {"connection": "c", "table": "public.orders"},
            "rates": {"connection": "c", "table": "public.rates"},
        },
        "sinks": {"out": {"connection": "c", "table": "wh.out", "from": "orders"}},
        **parts,
    }


def test_rewrite_keeps_joins_inside_brackets():
    from domain.planner import rewrite_tables

    sql = rewrite_tables("SELECT * FROM (a JOIN b USING (k)) AS x", {"a": "s.r_a", "b": "s.r_b"})
    assert sql == 'SELECT * FROM ("s"."r_a" AS a JOIN "s"."r_b" AS b USING (k)) AS x'
