"""Artifacts of a checked plan: DDL, transform SQL, pipeline YAML, Airflow DAG, explanations."""

from __future__ import annotations

import re
from typing import Any

import sqlglot
import yaml
from pydantic import ValidationError
from sqlglot import exp
from sqlglot.errors import SqlglotError

from core.definition import PipelineDefinition, parse_select
from core.generation import words
from workflows.generation_payloads import GenerationContext, GenerationInput, TargetSchema

ARTIFACT_VERSION = "1.0.0"
_STYLES = {
    "ansi": "",
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "clickhouse": "clickhouse",
}


def artifacts(
    request: GenerationInput,
    context: GenerationContext,
    definition: PipelineDefinition,
    columns: dict[str, dict[str, str]],
    answer: dict[str, Any],
) -> dict[str, Any]:
    errors: list[str] = []
    name = pipeline_name(request)
    final = next(iter(definition.sinks.values())).input or definition.default_dataset() or ""
    sink = next(iter(definition.sinks.values()))
    target = context.target
    assert target is not None
    ddl = ddl_sql(target, columns.get(final.lower(), {}), sink.keys, request.constraints)
    errors += check_ddl(ddl, target.dialect)
    transform = transform_sql(definition, context, request.hints.get("sql_style"))
    try:
        parse_select(transform) if not request.hints.get("sql_style") else None
    except ValueError as exc:
        errors.append(f"transform_sql: {exc}")
    stored = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    pipeline_yaml = yaml.safe_dump(
        {
            "name": name,
            "version": ARTIFACT_VERSION,
            "description": answer.get("description", ""),
            "definition": stored,
        },
        sort_keys=False,
    )
    try:
        PipelineDefinition.model_validate(yaml.safe_load(pipeline_yaml)["definition"])
        yaml_status = "passed"
    except (yaml.YAMLError, ValidationError, KeyError) as exc:
        errors.append(f"pipeline_yaml does not load back: {exc}")
        yaml_status = "failed"
    dag = airflow_dag(name, stored, definition.orchestration.schedule)
    try:
        compile(dag, f"{name}.py", "exec")
        python_status = "passed"
    except SyntaxError as exc:
        errors.append(f"airflow_dag_py: {exc}")
        python_status = "failed"
    explanations = [
        e
        for e in answer.get("explanations") or []
        if isinstance(e, dict) and {"file", "text"} <= set(e)
    ]
    explanations = [
        {"file": str(e["file"]), "line": int(e.get("line") or 1), "text": str(e["text"])}
        for e in explanations
    ]
    explanations.append(
        {
            "file": "ddl_sql",
            "line": 1,
            "text": f"Creates {target.qualified} in the {target.dialect} dialect",
        }
    )
    sql_ok = not any(e.startswith(("ddl_sql", "transform_sql")) for e in errors)
    return {
        "ddl_sql": ddl,
        "transform_sql": transform,
        "pipeline_yaml": pipeline_yaml,
        "airflow_dag_py": dag,
        "explanations": explanations,
        "validation": {
            "sql": "passed" if sql_ok else "failed",
            "yaml": yaml_status,
            "python": python_status,
            "errors": errors,
        },
        "version": ARTIFACT_VERSION,
    }


def pipeline_name(request: GenerationInput) -> str:
    if request.name:
        return request.name
    words = re.findall(r"[a-z0-9]+", request.intent.lower())[:6]
    return "_".join(words)[:60] or "generated_pipeline"


def ddl_sql(
    target: TargetSchema,
    columns: dict[str, str],
    keys: list[str],
    constraints: dict[str, Any],
) -> str:
    dialect = target.dialect
    lines = []
    for name, type_ in columns.items():
        try:
            rendered = exp.DataType.build(type_, dialect="postgres").sql(dialect)
        except (SqlglotError, ValueError):
            rendered = "TEXT"
        ident = words.ident(name, dialect)
        null = " NOT NULL" if name in keys and dialect != "clickhouse" else ""
        lines.append(f"  {ident} {rendered}{null}")
    options = target.options or {}
    table = f"{words.ident(target.schema, dialect)}.{words.ident(target.table, dialect)}"
    partition = options.get("partition_by") or constraints.get("partition_by")
    if dialect == "clickhouse":
        engine = str(options.get("engine") or "MergeTree")
        engine = engine if engine.endswith(")") else f"{engine}()"
        order = options.get("order_by") or keys or []
        order = [order] if isinstance(order, str) else list(order)
        tail = f"\nENGINE = {engine}"
        if partition and partition in columns:
            is_date = re.search(r"date|time", columns[partition], re.I)
            tail += f"\nPARTITION BY {'toYYYYMM(' + partition + ')' if is_date else partition}"
        order = [words.ident(o, dialect) for o in order]
        tail += f"\nORDER BY ({', '.join(order)})" if order else "\nORDER BY tuple()"
        return f"CREATE TABLE IF NOT EXISTS {table} (\n" + ",\n".join(lines) + f"\n){tail};"
    if keys:
        primary = ", ".join(words.ident(k, dialect) for k in keys)
        lines.append(f"  PRIMARY KEY ({primary})")
    return f"CREATE TABLE IF NOT EXISTS {table} (\n" + ",\n".join(lines) + "\n);"


def check_ddl(ddl: str, dialect: str) -> list[str]:
    """DDL may only create tables or views."""
    try:
        statements = [s for s in sqlglot.parse(ddl, read=dialect) if s is not None]
    except SqlglotError as exc:
        return [f"ddl_sql does not parse: {exc}"]
    for statement in statements:
        if not isinstance(statement, exp.Create) or str(statement.kind).upper() not in (
            "TABLE",
            "VIEW",
        ):
            return [f"ddl_sql may only CREATE TABLE or VIEW, not {statement.key.upper()}"]
    return []


def transform_sql(
    definition: PipelineDefinition, context: GenerationContext, style: str | None
) -> str:
    """The whole pipeline as one SELECT: each source and transformation a CTE, incremental
    sources filtered on their high-water mark (``:last_<cursor>``, kept by the run)."""
    tables = {d.dataset.lower(): d for d in context.sources}
    ctes = []
    for name, source in definition.sources.items():
        table = tables[name.lower()].qualified if name.lower() in tables else source.table
        sql = f"SELECT * FROM {'.'.join(words.ident(p, 'postgres') for p in table.split('.'))}"
        if source.incremental and source.cursor:
            sql += f" WHERE {source.cursor} > :last_{source.cursor}"
        ctes.append((name, sql))
    for t in definition.transformations:
        ctes.append((t.name, t.sql))
    final = next(iter(definition.sinks.values())).input or definition.default_dataset()
    body = (
        "WITH "
        + ", ".join(f"{words.ident(n, 'postgres')} AS ({s})" for n, s in ctes)
        + f" SELECT * FROM {words.ident(str(final), 'postgres')}"
    )
    dialect = _STYLES.get(str(style or "postgres").lower(), "postgres")
    tree = sqlglot.parse_one(body, read="postgres")
    text = tree.sql(dialect=dialect or None, pretty=True) + ";"
    return re.sub(r"%\((\w+)\)s", r":\1", text)  # the definition's :name placeholders


def airflow_dag(name: str, definition: dict[str, Any], schedule: str | None) -> str:
    try:
        from core.airflow_dag import render_dag  # the lifecycle area's renderer, when present
    except ImportError:
        return _minimal_dag(name, schedule)
    return render_dag(name, definition, schedule)


def _minimal_dag(name: str, schedule: str | None) -> str:
    dag_id = re.sub(r"[^A-Za-z0-9_]", "_", name).lower()
    return f'''"""Airflow DAG for the Ductwork pipeline {name!r} (generated).

Runs the pipeline through the Ductwork API; the API token comes from the Airflow connection
"ductwork" (never from this file).
"""

from datetime import datetime

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.operators.python import PythonOperator

PIPELINE = {name!r}


def run_pipeline(**context):
    import httpx

    conn = BaseHook.get_connection("ductwork")
    response = httpx.post(
        f"{{conn.host}}/api/v1/pipelines/{{PIPELINE}}:run",
        headers={{"Authorization": f"Bearer {{conn.get_password()}}"}},
        json={{"conf": {{"date": context["ds"]}}}},
        timeout=30,
    )
    response.raise_for_status()


with DAG(
    dag_id={dag_id!r},
    schedule={schedule!r},
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["ductwork", "generated"],
) as dag:
    PythonOperator(task_id="run_pipeline", python_callable=run_pipeline)
'''
