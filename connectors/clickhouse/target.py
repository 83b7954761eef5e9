"""ClickHouse as a target: the table made from the staged data's Arrow schema and the sink's
options, new columns added, and rows inserted in blocks whose ``insert_deduplication_token``
is ``<load id>:<block>``, so a retried load's blocks are dropped by the server instead of
loaded twice (the staged rows are read in a fixed order, so every attempt cuts the same blocks).

``append`` inserts; ``replace`` fills a new table and swaps it in with ``EXCHANGE TABLES``
(atomic); ``merge`` inserts into a ReplacingMergeTree ordered by the keys, with the load's time
as the version, so the latest row of a key wins (at merge time: read with ``FINAL`` for the
merged view).

The statements run through an ``Executor``: clickhouse-connect over HTTP in the service; the
tests run the very same statements in chDB (embedded ClickHouse), as no server can be
installed here.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, Protocol

import pyarrow as pa

from connectors.base import TerminalError, TransientError
from connectors.clickhouse.config import ClickHouseConfig
from connectors.clickhouse.ddl import (
    VERSION_COLUMN,
    TableSpec,
    columns_of,
    create_table_sql,
    insert_sql,
    quote_ident,
    quote_literal,
)
from connectors.duckdb.staging import DuckStaging
from connectors.duckdb.target import LoadOutcome
from connectors.postgres.sql import Relation
from workflows.payloads import LoadStep

BLOCK_ROWS = 100_000


class Executor(Protocol):
    def command(self, sql: str) -> None: ...

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def insert(self, sql: str, data: pa.Table) -> None:
        """Run ``sql`` (an INSERT from ``insert_sql``) with ``data`` as its rows."""
        ...

    def close(self) -> None: ...


class HttpExecutor:
    """A ClickHouse server through clickhouse-connect (HTTP; its own retries off)."""

    def __init__(self, config: ClickHouseConfig) -> None:
        import clickhouse_connect

        try:
            self.client = clickhouse_connect.get_client(
                host=config.host,
                port=config.port,
                username=config.user or "default",
                password=config.password or "",
                database=config.database,
                secure=config.secure,
                connect_timeout=config.connect_timeout_s,
                autogenerate_session_id=False,
            )
        except Exception as exc:
            raise classify(exc) from exc

    def command(self, sql: str) -> None:
        self.client.command(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self.client.query(sql).result_rows)

    def insert(self, sql: str, data: pa.Table) -> None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        self.client.command(f"{sql} FORMAT ArrowStream", data=sink.getvalue().to_pybytes())

    def close(self) -> None:
        self.client.close()


def executor_for(config: ClickHouseConfig) -> Executor:
    return HttpExecutor(config)


def classify(exc: BaseException) -> Exception:
    text = str(exc)
    lowered = text.lower()
    if any(
        w in lowered for w in ("timed out", "timeout", "connection refused", "connection reset")
    ):
        return TransientError(f"ClickHouse: {text}", error_type="CONNECTION_FAILED")
    if "authentication" in lowered or "password" in lowered:
        return TerminalError(f"ClickHouse: {text}", error_type="AUTHENTICATION_FAILED")
    return TerminalError(f"ClickHouse: {text}", error_type="DATABASE_ERROR")


def load(
    staging: DuckStaging,
    step: LoadStep,
    load_id: str,
    config: ClickHouseConfig,
    log: Callable[..., None],
) -> LoadOutcome:
    relation = Relation.parse(step.target_table)
    database = config.database if relation.schema == "public" else relation.schema
    spec = TableSpec.of(database, relation.name, step.mode, step.keys, step.options)
    staged = Relation.parse(step.input_table)
    schema = staging.schema_of(staged)
    executor = executor_for(config)
    try:
        executor.command(f"CREATE DATABASE IF NOT EXISTS {quote_ident(database)}")
        if step.mode == "replace":
            rows = _replace(executor, staging, staged, spec, schema, load_id)
            log("replaced", rows=rows, target=f"{database}.{relation.name}")
        else:
            for name in _prepare(executor, spec, schema):
                log("added column to target", column=name, target=f"{database}.{relation.name}")
            rows = _insert(executor, staging, staged, spec, schema, load_id)
            log("inserted" if step.mode == "append" else "merged (ReplacingMergeTree)", rows=rows)
    except (TerminalError, TransientError):
        raise
    except Exception as exc:
        raise classify(exc) from exc
    finally:
        executor.close()
    return LoadOutcome(rows)


def existing_columns(executor: Executor, spec: TableSpec) -> dict[str, str]:
    return dict(
        executor.rows(
            "SELECT name, type FROM system.columns WHERE database = "
            f"{quote_literal(spec.database)} AND table = {quote_literal(spec.table)} "
            "ORDER BY position"
        )
    )


def _prepare(executor: Executor, spec: TableSpec, schema: pa.Schema) -> list[str]:
    """Create the table, or add the data's new columns to it; a changed type or a column
    gone stops the load naming the column. Returns the columns added."""
    existing = existing_columns(executor, spec)
    if not existing:
        executor.command(create_table_sql(spec, schema))
        return []
    wanted = dict(columns_of(schema, spec))
    problems = [
        f"column {name!r} is {type_} in the data but {existing[name]} in {spec.database}."
        f"{spec.table}"
        for name, type_ in wanted.items()
        if name in existing and _base(type_) != _base(existing[name])
    ]
    problems += [
        f"column {name!r} of {spec.database}.{spec.table} is not in the data"
        for name in existing
        if name not in wanted
    ]
    if problems:
        raise TerminalError(
            "the target table does not match the data: " + "; ".join(problems) + ". Nothing was "
            "loaded.",
            error_type="SCHEMA_MISMATCH",
        )
    added = [name for name in wanted if name not in existing]
    for name in added:
        executor.command(f"ALTER TABLE {spec.sql} ADD COLUMN {quote_ident(name)} {wanted[name]}")
    return added


def _base(type_: str) -> str:
    return (
        type_.removeprefix("Nullable(").removesuffix(")")
        if type_.startswith("Nullable(")
        else type_
    )


def _replace(
    executor: Executor,
    staging: DuckStaging,
    staged: Relation,
    spec: TableSpec,
    schema: pa.Schema,
    load_id: str,
) -> int:
    """Fill a new table, then swap it in: readers see the old rows or the new, never none."""
    fresh = spec.renamed(f"{spec.table}__dw_{hashlib.sha1(load_id.encode()).hexdigest()[:12]}")
    executor.command(f"DROP TABLE IF EXISTS {fresh.sql}")
    executor.command(create_table_sql(fresh, schema))
    rows = _insert(executor, staging, staged, fresh, schema, load_id)
    if existing_columns(executor, spec):
        executor.command(f"EXCHANGE TABLES {spec.sql} AND {fresh.sql}")
        executor.command(f"DROP TABLE {fresh.sql}")
    else:
        executor.command(f"RENAME TABLE {fresh.sql} TO {spec.sql}")
    return rows


def _insert(
    executor: Executor,
    staging: DuckStaging,
    staged: Relation,
    spec: TableSpec,
    schema: pa.Schema,
    load_id: str,
) -> int:
    names = list(schema.names)
    version = time.time_ns() // 1000
    replacing = "Replacing" in spec.engine
    if replacing:
        names.append(VERSION_COLUMN)
    rows = 0
    for block, batch in enumerate(staging.batches(staged, BLOCK_ROWS, ordered=True)):
        data = pa.Table.from_batches([batch])
        if replacing:
            data = data.append_column(VERSION_COLUMN, pa.array([version] * len(data), pa.uint64()))
        executor.insert(insert_sql(spec, names, f"{load_id}:{block}"), data)
        rows += len(data)
    return rows
