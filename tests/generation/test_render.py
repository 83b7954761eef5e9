"""Artifacts without any database: target-dialect DDL, conventions, DDL safety, prompts."""

from __future__ import annotations

import json

import pytest
import yaml

from ai.generation import check, offline, prompts, render
from domain.definition import PipelineDefinition
from domain.definition.model import Sink
from workflows.generation_payloads import (
    Column,
    DatasetSchema,
    GenerationContext,
    GenerationInput,
    TargetSchema,
)


@pytest.fixture(scope="module")
def chdb_session(tmp_path_factory):
    session_module = pytest.importorskip("chdb.session")
    session = session_module.Session(str(tmp_path_factory.mktemp("chdb")))
    yield session
    session.close()


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
        {"engine": "MergeTree", "order_by": ["sale_date", "id"], "partition_by": "sale_date"},
    )  # fmt: skip
    sink = Sink(connection="wh", table="analytics.sales_daily", options=target.options)
    ddl, errors = render.ddl_sql(target, {"id": "BIGINT", "sale_date": "DATE"}, sink)
    assert errors == []
    assert "ENGINE = MergeTree()" in ddl
    assert "PARTITION BY toYYYYMM(`sale_date`)" in ddl
    assert "ORDER BY (`sale_date`, `id`)" in ddl
    assert "`sale_date` Date32\n" in ddl  # a sorting key column is not Nullable
    assert render.check_ddl(ddl, "clickhouse") == []
    bad = Sink(connection="wh", table="t", mode="merge", keys=["id"], options=target.options)
    assert "ReplacingMergeTree" in render.ddl_sql(target, {"id": "BIGINT"}, bad)[1][0]


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
    assert prompts.PROMPT_VERSION == "v2"
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


SALES = DatasetSchema(
    "sales",
    "pg",
    "postgresql",
    "postgres",
    "public",
    "sales",
    [
        Column("id", "uuid", False),
        Column("sale_date", "date"),
        Column("amount", "numeric(10,2)"),
        Column("customer_id", "uuid"),
        Column("updated_at", "timestamp with time zone"),
    ],
)
SEED_000_CONSTRAINTS = {
    "partition_by": "sale_date",
    "load": "append",
    "incremental": True,
    "deduplicate": True,
}


def _generate(target: TargetSchema, intent: str = "Load daily sales", **constraints):
    context = GenerationContext(sources=[SALES], target=target)
    request = GenerationInput("g", "t", "me", intent, [], [], constraints=constraints)
    result = check.check_plan(request, context, offline.plan(request, context))
    assert result.errors == []
    return result


def test_seed_000_clickhouse_example(chdb_session):
    target = TargetSchema(
        "ch", "clickhouse", "clickhouse", "analytics", "sales_daily",
        {"engine": "MergeTree", "order_by": ["sale_date", "id"]},
    )  # fmt: skip
    result = _generate(target, **SEED_000_CONSTRAINTS)
    sink = result.definition["sinks"]["target"]
    assert sink["table"] == "analytics.sales_daily"
    assert sink["mode"] == "append"
    assert sink["options"] == {
        "engine": "MergeTree",
        "order_by": ["sale_date", "id"],
        "partition_by": "sale_date",
    }
    source = result.definition["sources"]["sales"]
    assert source["incremental"] is True and source.get("cursor") == "sale_date"
    ddl = result.artifacts["ddl_sql"]
    assert "ENGINE = MergeTree()\nPARTITION BY toYYYYMM(`sale_date`)" in ddl
    assert "ORDER BY (`sale_date`, `id`)" in ddl and "`id` String," in ddl
    texts = " ".join(e["text"] for e in result.artifacts["explanations"])
    assert "one row per id" in texts and "cannot: duplicates are removed within each run" in texts
    chdb_session.query("CREATE DATABASE IF NOT EXISTS analytics")
    chdb_session.query(ddl.rstrip(";"))
    columns = chdb_session.query(
        "SELECT name, type FROM system.columns WHERE database = 'analytics' "
        "AND table = 'sales_daily'",
        "CSV",
    )
    assert '"sale_date","Date32"' in str(columns) and '"amount","Nullable(Decimal(10, 2))"' in str(
        columns
    )


def test_clickhouse_merge_is_a_replacing_merge_tree(chdb_session):
    target = TargetSchema(
        "ch", "clickhouse", "clickhouse", "analytics", "sales_merged", {"engine": "MergeTree"}
    )
    result = _generate(target, "Merge sales on id")
    sink = result.definition["sinks"]["target"]
    assert sink["mode"] == "merge" and sink["keys"] == ["id"]
    assert sink["options"] == {"engine": "ReplacingMergeTree", "order_by": ["id"]}
    ddl = result.artifacts["ddl_sql"]
    assert "ENGINE = ReplacingMergeTree(`_dw_version`)" in ddl
    chdb_session.query("CREATE DATABASE IF NOT EXISTS analytics")
    chdb_session.query(ddl.rstrip(";"))
    deduplicated = _generate(
        TargetSchema("ch", "clickhouse", "clickhouse", "analytics", "sales_dedup"),
        "Load sales without duplicates",
        load="append",
    )
    assert deduplicated.definition["sinks"]["target"]["mode"] == "merge"
    assert "deduplicate" not in {
        k for k, v in deduplicated.definition["sinks"]["target"].items() if v
    }


def test_duckdb_target_ddl_and_incremental():
    result = _generate(
        TargetSchema("duck", "duckdb", "duckdb", "main", "sales_daily"), incremental=True
    )
    assert result.definition["sources"]["sales"]["incremental"] is True  # DuckDB keeps marks
    assert result.definition["sinks"]["target"]["table"] == "main.sales_daily"
    ddl = result.artifacts["ddl_sql"]
    assert ddl.startswith("CREATE TABLE IF NOT EXISTS main.sales_daily (")
    assert "id VARCHAR NOT NULL" in ddl and "updated_at TIMESTAMP WITH TIME ZONE" in ddl
    assert "$last_updated_at" in result.artifacts["transform_sql"]  # DuckDB's SQL
    import duckdb

    conn = duckdb.connect()
    conn.execute(ddl)
    assert conn.execute("SELECT count(*) FROM main.sales_daily").fetchone() == (0,)


def test_files_target_has_no_ddl_and_never_merges():
    target = TargetSchema("lake", "files", "", "exports", "sales", format="parquet")
    result = _generate(target, **SEED_000_CONSTRAINTS)
    sink = result.definition["sinks"]["target"]
    assert sink["table"] == "exports.sales"
    assert sink["mode"] == "append"
    assert result.definition["sources"]["sales"]["incremental"] is True
    assert "options" not in sink and not sink.get("deduplicate")
    assert result.artifacts["ddl_sql"] == ""
    ddl_notes = [e["text"] for e in result.artifacts["explanations"] if e["file"] == "ddl_sql"]
    assert ddl_notes and ddl_notes[0].startswith("No DDL: a files target has no table")
    assert "exports/sales/" in ddl_notes[0] and "parquet" in ddl_notes[0]
    assert result.artifacts["validation"]["sql"] == "passed"
    context = GenerationContext(sources=[SALES], target=target)
    request = GenerationInput("g", "t", "me", "Merge sales on id", [], [])
    try:
        offline.plan(request, context)
        raise AssertionError("a merge into files was planned")
    except offline.PlanningError as exc:
        assert "files cannot be merged into" in str(exc)
    reply = json.loads(offline.plan(GenerationInput("g", "t", "me", "Copy sales", [], []), context))
    reply["definition"]["sinks"]["target"].update(mode="merge", keys=["id"])
    errors = check.check_plan(request, context, json.dumps(reply)).errors
    assert any("files cannot be merged into" in e for e in errors)  # the LLM's plans too


def test_pipeline_yaml_is_the_documented_shape_next_to_the_definition():
    result = _generate(TargetSchema("wh", "postgresql", "postgres", "public", "out"))
    artifacts = result.artifacts
    assert artifacts["pipeline_definition"] == result.definition
    PipelineDefinition.model_validate(artifacts["pipeline_definition"])
    assert yaml.safe_load(artifacts["pipeline_yaml_text"]) == artifacts["pipeline_definition"]
    assert artifacts["pipeline_yaml_text"].startswith("# load_daily_sales 1.0.0")
    documented = artifacts["pipeline_yaml"]  # the AI-ETL pipelines API's {name, schedule, tasks}
    assert set(documented) == {"name", "schedule", "tasks"}
    assert documented["name"] == "load_daily_sales"
    kinds = [task["type"] for task in documented["tasks"]]
    assert kinds[0] == "extract" and kinds[-1] == "load"
