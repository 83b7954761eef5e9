"""Natural-language query steps that touch the database: read its schema, check and EXPLAIN a
query in a read-only transaction. The offline translator runs here too (no I/O, but sqlglot is
kept out of the workflow sandbox)."""

from __future__ import annotations

import json
from typing import Any

from sqlglot import exp, parse_one
from temporalio import activity

from activities.runtime import ActivityDeps, to_application_error
from ai.nlquery import understood
from ai.nlquery.check import check_query, error
from ai.nlquery.offline import translate
from connectors.base import ConnectorError, TableInfo
from connectors.mysql import client as mysql
from connectors.mysql.errors import classify as my_classify
from connectors.postgres.client import connect as pg_connect
from connectors.postgres.errors import classify as pg_classify
from workflows.data_payloads import (
    CheckRequest,
    CheckResult,
    SchemaRequest,
    SchemaSnapshot,
    TableSchema,
    TranslateRequest,
    Translation,
)

EXPLAIN_ANALYZE_TIMEOUT_MS = 2000  # a query slower than this gets no measured time
MAX_TABLES = 200


class NLQueryActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="nlquery_schema")
    async def schema(self, request: SchemaRequest) -> SchemaSnapshot:
        try:
            connector, config = await self.deps.source(request.tenant_id, request.connection_id)
            tables = await connector.introspect(config)
        except ConnectorError as exc:
            raise to_application_error(exc) from exc
        default = connector.default_schema or getattr(config, "database", None)
        named = {_name(t, default): t for t in tables}
        snapshot = SchemaSnapshot(dialect=connector.dialect, connection_type=connector.type)
        wanted = request.tables or sorted(named)[:MAX_TABLES]
        for ask in wanted:
            found = named.get(ask) or named.get(ask.lower())
            if found is None:
                snapshot.missing.append(ask)
            else:
                snapshot.tables.append(
                    TableSchema(_name(found, default), [[c.name, c.type] for c in found.columns])
                )
        return snapshot

    @activity.defn(name="nlquery_translate")
    async def translate(self, request: TranslateRequest) -> Translation:
        found = translate(request.question, request.schema)
        if found.sql is None:  # the understanding behind generation, when it places every word
            return understood.translate(request.question, request.schema) or found
        return found

    @activity.defn(name="nlquery_check")
    async def check(self, request: CheckRequest) -> CheckResult:
        sql, errors = check_query(request.sql, request.schema)
        if sql is None:
            return CheckResult(errors=errors)
        try:
            connector, config = await self.deps.source(request.tenant_id, request.connection_id)
            if connector.type == "postgresql":
                rows, ms = await _pg_explain(config, sql)
            elif connector.type == "mysql":
                rows, ms = await _my_explain(config, sql)
            else:
                rows, ms = None, None
        except ConnectorError as exc:
            if exc.retryable:
                raise to_application_error(exc) from exc
            # The database refused the query (a type mismatch, say): the model may repair it.
            return CheckResult(errors=[error("sql", exc.message, "sql_database")])
        return CheckResult(sql=sql, estimated_rows=rows, estimated_time_ms=ms)


def _name(table: TableInfo, default: str | None) -> str:
    return table.name if table.schema == default else f"{table.schema}.{table.name}"


async def _pg_explain(config: Any, sql: str) -> tuple[int | None, int | None]:
    """Rows from the planner's estimate; time measured by EXPLAIN ANALYZE when quick, all in a
    read-only transaction that is rolled back."""
    conn = await pg_connect(config)
    try:
        async with conn.transaction(readonly=True):
            plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}")
            rows = int(_plan(plan)[0]["Plan"]["Plan Rows"])
        ms = None
        try:
            async with conn.transaction(readonly=True):
                await conn.execute(f"SET LOCAL statement_timeout = {EXPLAIN_ANALYZE_TIMEOUT_MS}")
                analyzed = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                ms = max(1, round(_plan(analyzed)[0].get("Execution Time", 0)))
        except Exception as exc:  # too slow to measure: the estimate of rows stands alone
            if pg_classify(exc).error_type not in ("DATABASE_UNAVAILABLE",):
                raise
    except ConnectorError:
        raise
    except Exception as exc:
        raise pg_classify(exc) from exc
    finally:
        await conn.close()
    return rows, ms


def _plan(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else value


async def _my_explain(config: Any, sql: str) -> tuple[int | None, int | None]:
    """MySQL's EXPLAIN gives rows examined per table; the result's rows follow from the query's
    shape (one row for an aggregate without GROUP BY, at most LIMIT)."""
    conn = await mysql.connect(config)
    try:
        async with conn.cursor() as cursor:
            await cursor.execute("START TRANSACTION READ ONLY")
            await cursor.execute(f"EXPLAIN {sql}")
            names = [d[0].lower() for d in cursor.description]
            plan = [dict(zip(names, row, strict=False)) for row in await cursor.fetchall()]
            await cursor.execute("ROLLBACK")
    except Exception as exc:
        raise my_classify(exc) from exc
    finally:
        conn.close()
    rows = max((int(r.get("rows") or 0) for r in plan), default=0)
    tree = parse_one(sql, read="mysql")
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is not None and select.find(exp.AggFunc) and not select.args.get("group"):
        rows = 1
    limit = tree.args.get("limit")
    if limit is not None and isinstance(limit.expression, exp.Literal):
        rows = min(rows, int(limit.expression.this))
    return rows, None
