"""Artifacts of a checked plan: DDL, transform SQL, pipeline YAML, Airflow DAG, explanations."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import sqlglot
import yaml
from pydantic import ValidationError
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ai.generation import words
from connectors.base import TerminalError
from connectors.clickhouse import ddl as ch_ddl
from domain.definition import PipelineDefinition, parse_select
from domain.definition.model import LoadMode, Sink
from domain.pipeline_yaml import pipeline_yaml
from workflows.generation_payloads import GenerationContext, GenerationInput, TargetSchema

ARTIFACT_VERSION = "1.0.0"
# The DDL dialect of each target type (files: none).
TARGET_DIALECTS = {
    "postgresql": "postgres",
    "duckdb": "duckdb",
    "clickhouse": "clickhouse",
    "files": "",
}
# Where a target's transformations run: PostgreSQL in place, every other in DuckDB staging.
_RUNS_IN = {"postgres": None, "duckdb": "duckdb", "clickhouse": "duckdb", "": "duckdb"}
_T = exp.DataType.Type
_ARROW: dict[exp.DType, pa.DataType] = {
    _T.BOOLEAN: pa.bool_(),
    _T.TINYINT: pa.int16(),
    _T.SMALLINT: pa.int16(),
    _T.INT: pa.int32(),
    _T.BIGINT: pa.int64(),
    _T.FLOAT: pa.float32(),
    _T.DOUBLE: pa.float64(),
    _T.DATE: pa.date32(),
    _T.TIMESTAMP: pa.timestamp("us"),
    _T.TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
}
_STYLES = {
    "ansi": "",
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "clickhouse": "clickhouse",
    "duckdb": "duckdb",
}
_DUCKDB = {
    pa.bool_(): "BOOLEAN",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float32(): "FLOAT",
    pa.float64(): "DOUBLE",
    pa.date32(): "DATE",
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
    sink = next(iter(definition.sinks.values()))
    final = sink.input or definition.default_dataset() or ""
    target = context.target
    assert target is not None
    ddl, problems = ddl_sql(target, columns.get(final.lower(), {}), sink)
    errors += problems or check_ddl(ddl, target.dialect)
    style = request.hints.get("sql_style")
    transform = transform_sql(definition, context, style or _RUNS_IN.get(target.dialect))
    errors += check_transform(transform, style or _RUNS_IN.get(target.dialect))
    stored = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    description = str(answer.get("description") or "")
    pipeline_yaml_text = (
        f"# {name} {ARTIFACT_VERSION}: a Ductwork pipeline definition (generated)\n"
        + "".join(f"# {line}\n" for line in description.splitlines() if line.strip())
        + yaml.safe_dump(stored, sort_keys=False)
    )
    try:
        PipelineDefinition.model_validate(yaml.safe_load(pipeline_yaml_text))
        yaml_status = "passed"
    except (yaml.YAMLError, ValidationError) as exc:
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
    explanations.append({"file": "ddl_sql", "line": 1, "text": ddl_explanation(target, sink)})
    if target.dialect != "postgres":
        explanations.append(
            {
                "file": "transform_sql",
                "line": 1,
                "text": "The transformations run in the run's DuckDB staging (the SQL is "
                "transpiled there by sqlglot), then the result is loaded into the target",
            }
        )
    sql_ok = not any(e.startswith(("ddl_sql", "transform_sql")) for e in errors)
    return {
        "ddl_sql": ddl,
        "transform_sql": transform,
        # The AI-ETL pipelines API's {name, schedule, tasks}; Ductwork's own definition next to it.
        "pipeline_yaml": pipeline_yaml(name, stored, definition.orchestration.schedule),
        "pipeline_definition": stored,
        "pipeline_yaml_text": pipeline_yaml_text,
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
    sink: Sink,
) -> tuple[str, list[str]]:
    """The target table's DDL in the target's dialect (files have none: ``""``), and why it
    cannot be made."""
    if target.dialect == "clickhouse":
        return clickhouse_ddl(target, columns, sink)
    if not target.dialect:
        return "", []
    dialect = target.dialect
    keys = sink.keys if sink.mode != LoadMode.replace else []
    lines = []
    for name, type_ in columns.items():
        if dialect == "duckdb":  # the type the staged data has there (uuid, json: text)
            rendered = duckdb_type(arrow_type(type_))
        else:
            try:
                rendered = exp.DataType.build(type_, dialect="postgres").sql(dialect)
            except (SqlglotError, ValueError):
                rendered = "TEXT"
        ident = words.ident(name, dialect)
        null = " NOT NULL" if name in keys else ""
        lines.append(f"  {ident} {rendered}{null}")
    table = f"{words.ident(target.schema, dialect)}.{words.ident(target.table, dialect)}"
    if keys:
        primary = ", ".join(words.ident(k, dialect) for k in keys)
        lines.append(f"  PRIMARY KEY ({primary})")
    return f"CREATE TABLE IF NOT EXISTS {table} (\n" + ",\n".join(lines) + "\n);", []


def clickhouse_ddl(
    target: TargetSchema, columns: dict[str, str], sink: Sink
) -> tuple[str, list[str]]:
    """The very table the ClickHouse target creates (its engine, ORDER BY, PARTITION BY and
    Nullable rules), from the output columns' types."""
    schema = pa.schema([pa.field(n, arrow_type(t)) for n, t in columns.items()])
    try:
        spec = ch_ddl.TableSpec.of(
            target.schema, target.table, sink.mode.value, list(sink.keys), sink.options or {}
        )
        return ch_ddl.create_table_sql(spec, schema) + ";", []
    except TerminalError as exc:
        return "", [f"ddl_sql: the ClickHouse table cannot be made: {exc.message}"]


def arrow_type(type_: str) -> pa.DataType:
    """The Arrow type a column of this (PostgreSQL) type is staged as."""
    try:
        built = exp.DataType.build(type_, dialect="postgres")
    except (SqlglotError, ValueError):
        return pa.string()
    if built.this == exp.DataType.Type.DECIMAL:
        params = [int(e.name) for e in built.expressions if e.name.isdigit()]
        if not params:
            return pa.decimal128(38, 10)
        precision, scale = params[0], params[1] if len(params) > 1 else 0
        wide = precision > 38
        return (pa.decimal256 if wide else pa.decimal128)(precision, scale)
    return _ARROW.get(built.this, pa.string())


def duckdb_type(data_type: pa.DataType) -> str:
    if pa.types.is_decimal(data_type):
        return f"DECIMAL({data_type.precision}, {data_type.scale})"
    if pa.types.is_timestamp(data_type):
        return "TIMESTAMP WITH TIME ZONE" if data_type.tz else "TIMESTAMP"
    return _DUCKDB.get(data_type, "VARCHAR")


def ddl_explanation(target: TargetSchema, sink: Sink) -> str:
    if not target.dialect:
        fmt = target.format or "parquet"
        return (
            f"No DDL: a files target has no table. Each run writes one {fmt} part file under "
            f"the connection's root, in the dataset directory {target.qualified.replace('.', '/')}/"
            + (" (replace leaves only the latest run's part)" if sink.mode == "replace" else "")
        )
    text = f"Creates {target.qualified} in the {target.dialect} dialect"
    if target.dialect == "clickhouse":
        options = sink.options or {}
        text += (
            f" with engine {options.get('engine') or 'the default MergeTree family engine'}"
            + (f", ORDER BY {options['order_by']}" if options.get("order_by") else "")
            + (f", PARTITION BY {options['partition_by']}" if options.get("partition_by") else "")
            + "; key columns are not Nullable, the others are"
        )
    return text + " (the run creates it when missing)"


def check_ddl(ddl: str, dialect: str) -> list[str]:
    """DDL may only create tables or views (files have no DDL: empty)."""
    if not ddl.strip():
        return [] if not dialect else ["ddl_sql is empty"]
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


def check_transform(transform: str, style: str | None) -> list[str]:
    """The rendered transform is one read-only query in its dialect."""
    dialect = _STYLES.get(str(style or "postgres").lower(), "postgres")
    if dialect == "postgres":
        try:
            parse_select(transform)
        except ValueError as exc:
            return [f"transform_sql: {exc}"]
        return []
    try:
        statements = [s for s in sqlglot.parse(transform, read=dialect or None) if s is not None]
    except SqlglotError as exc:
        return [f"transform_sql does not parse as {dialect or 'ANSI'} SQL: {exc}"]
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        return ["transform_sql must be a single SELECT"]
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
        if table is None:  # check_against_schemas refuses a source that is not a given table
            raise ValueError(f"source {name!r} reads no table: the plan was not checked")
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
        from domain.airflow_dag import render_dag  # the lifecycle area's renderer, when present
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
