"""Artifacts without any database: target-dialect DDL, conventions, DDL safety, prompts."""

from __future__ import annotations

import json

from core.generation import check, offline, prompts, render
from workflows.generation_payloads import (
    Column,
    DatasetSchema,
    GenerationContext,
    GenerationInput,
    TargetSchema,
)

ORDERS = DatasetSchema(
    "orders",
    "src",
    "mysql",
    "mysql",
    None,
    "orders",
    [
        Column("id", "bigint unsigned", False),
        Column("sale_date", "date"),
        Column("amount", "decimal(10,2)"),
        Column("customer_name", "varchar(100)"),
    ],
)


def test_clickhouse_ddl_has_engine_partitioning_and_order_by():
    target = TargetSchema(
        "wh", "clickhouse", "clickhouse", "analytics", "sales_daily",
        {"engine": "MergeTree", "order_by": ["sale_date", "id"]},
    )  # fmt: skip
    ddl = render.ddl_sql(
        target, {"id": "BIGINT", "sale_date": "DATE"}, [], {"partition_by": "sale_date"}
    )
    assert "ENGINE = MergeTree()" in ddl
    assert "PARTITION BY toYYYYMM(sale_date)" in ddl
    assert "ORDER BY (sale_date, id)" in ddl
    assert render.check_ddl(ddl, "clickhouse") == []


def test_ddl_may_only_create_tables_or_views():
    assert render.check_ddl("CREATE TABLE a (x INT);", "postgres") == []
    assert render.check_ddl("CREATE VIEW v AS SELECT 1;", "postgres") == []
    assert render.check_ddl("DROP TABLE sales;", "postgres")
    assert render.check_ddl("CREATE TABLE a (x INT); DELETE FROM b;", "postgres")


def test_conventions_and_types_from_mysql():
    context = GenerationContext(
        sources=[ORDERS], target=TargetSchema("wh", "postgresql", "postgres", "public", "out")
    )
    request = GenerationInput(
        "g", "t", "me", "Copy orders", [], [], hints={"dwh_conventions": "camelCase"}
    )
    result = check.check_plan(request, context, offline.plan(request, context))
    assert result.errors == []
    ddl = result.artifacts["ddl_sql"]
    assert '"customerName" VARCHAR(100)' in ddl and '"saleDate" DATE' in ddl
    assert "DECIMAL(20, 0)" in ddl  # bigint unsigned fits no PostgreSQL integer


def test_prompts_are_versioned_files():
    assert prompts.PROMPT_VERSION == "v1"
    context = GenerationContext(
        sources=[ORDERS], target=TargetSchema("wh", "postgresql", "postgres", "public", "out")
    )
    request = GenerationInput("g", "t", "me", "Copy {orders}", [], [])
    messages = prompts.initial_messages(request, context)
    assert messages[0]["content"] == prompts.load("generate")
    assert "Copy {orders}" in messages[1]["content"] and "public.out" in messages[1]["content"]
    repair = prompts.repair_message(["bad column"], prompts.load("repair"))
    assert "- bad column" in repair["content"]


def test_a_half_valid_reply_is_never_used():
    context = GenerationContext(
        sources=[ORDERS], target=TargetSchema("wh", "postgresql", "postgres", "public", "out")
    )
    request = GenerationInput("g", "t", "me", "x", [], [])
    good = json.loads(offline.plan(request, context))
    good["definition"]["sinks"]["target"]["keys"] = ["nope"]
    good["definition"]["sinks"]["target"]["mode"] = "merge"
    result = check.check_plan(request, context, json.dumps(good))
    assert result.errors and result.definition is None and result.artifacts == {}
    assert check.check_plan(request, context, "```json\n{}\n```").errors
