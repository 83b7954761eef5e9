"""ClickHouse as a target: the table made from the staged data's Arrow schema and the sink's
options, new columns added, and rows inserted in blocks whose ``insert_deduplication_token``
is ``<load id>:<block>``, so a retried load's blocks are dropped by the server instead of
loaded twice (the staged rows are read in a fixed order, so every attempt cuts the same blocks).

``append`` inserts; ``replace`` fills a new table and swaps it in with ``EXCHANGE TABLES``
(atomic); ``merge`` inserts into a ReplacingMergeTree ordered by the keys, with the load's time
as the version, so the latest row of a key wins (at merge time: read with ``FINAL`` for the
merged view).

Incremental sources: the high-water mark is not stored anywhere; it is the cursor column's
maximum in the target table itself, read by the next run's extract. ClickHouse has no
transaction spanning two tables, so a state table written after the rows could disagree with
them (a crash in between, then a run that fails for good: the next run would load those rows
again under new deduplication tokens). Rows and mark cannot disagree when the mark is the rows.
For that to hold after a load that inserted only some of its blocks, an incremental load
inserts in cursor order and never splits one cursor value across blocks (a block may exceed
``BLOCK_ROWS`` by the rows sharing its last value): whatever got in is every row up to some
value, and the next run extracts the rest (``>``; ``>=`` in merge mode, where re-read rows
replace themselves). A retry of the same load cuts the same blocks and its inserted ones are
dropped by their tokens. So the load needs the cursor column in its data and one incremental
source, and the target table should be this pipeline's alone (another writer's rows would move
the mark). One limit: with ``partition_by`` a block spanning partitions is written as one part
per partition, not atomically; only a crash inside such an insert followed by a run that never
retries it could leave part of one block in.

The statements run through an ``Executor``: clickhouse-connect over HTTP in the service; the
tests run the very same statements in chDB (embedded ClickHouse), as no server can be
installed here.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any, Protocol

import pyarrow as pa

from connectors import offsets
from connectors.base import (
    ConnectorError,
    LoadSpec,
    TerminalError,
    TransientError,
    safe_detail,
    unreachable,
)
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
from connectors.commit_point import CommitPoint, LoadCancelled, no_cancel
from connectors.duckdb.staging import DuckStaging
from connectors.duckdb.target import LoadOutcome
from connectors.postgres.sql import Relation
from connectors.postgres.sql import quote_ident as quote_ident_duck

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
                query_retries=0,  # Temporal owns retries
            )
            self.client.http_retries = 0  # type: ignore[attr-defined]  # set on the HTTP client
        except Exception as exc:
            raise classify(exc) from exc

    def command(self, sql: str) -> None:
        self.client.command(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.client.query(sql).result_rows]

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
    """A ClickHouse server's own error (``Code: N``) keeps its summary; anything else that
    answered (or did not) is one 'could not connect' message, never its response body."""
    if isinstance(exc, ConnectorError):
        return exc
    text = safe_detail(str(exc))
    lowered = text.lower()
    if "code:" not in lowered:
        return TransientError(unreachable("ClickHouse"), error_type="CONNECTION_FAILED")
    if "authentication" in lowered or "password" in lowered:
        return TerminalError(f"ClickHouse: {text}", error_type="AUTHENTICATION_FAILED")
    return TerminalError(f"ClickHouse: {text}", error_type="DATABASE_ERROR")


def load(
    staging: DuckStaging,
    step: LoadSpec,
    load_id: str,
    config: ClickHouseConfig,
    log: Callable[..., None],
    *,
    commit_point: CommitPoint = no_cancel,
) -> LoadOutcome:
    """Load the staged rows; the commit point is the swap (replace) or the first block
    inserted (append, merge: ClickHouse cannot take a block back)."""
    relation = Relation.parse(step.target_table)
    database = config.database if relation.schema == "public" else relation.schema
    spec = TableSpec.of(database, relation.name, step.mode, step.keys, step.options)
    staged = Relation.parse(step.input_table)
    schema = staging.schema_of(staged)
    order = _cursor_order(step, schema)
    executor = executor_for(config)
    try:
        executor.command(f"CREATE DATABASE IF NOT EXISTS {quote_ident(database)}")
        if step.mode == "replace":
            rows = _replace(executor, staging, staged, spec, schema, load_id, commit_point)
            log("replaced", rows=rows, target=f"{database}.{relation.name}")
        else:
            sparse = any(c.kind == "offsets" for c in step.cursors)
            for name in _prepare(executor, spec, schema, sparse=sparse):
                log("added column to target", column=name, target=f"{database}.{relation.name}")
            rows = _insert(executor, staging, staged, spec, schema, load_id, order, commit_point)
            log("inserted" if step.mode == "append" else "merged (ReplacingMergeTree)", rows=rows)
            if order is not None:
                log("cursor advanced", source=step.cursors[0].source, to="max in the target")
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


def _prepare(
    executor: Executor, spec: TableSpec, schema: pa.Schema, *, sparse: bool = False
) -> list[str]:
    """Create the table, or add the data's new columns to it; a changed type or a column
    gone (unless the data is ``sparse``: a stream's fields come and go) stops the load naming
    the column. Returns the columns added."""
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
        if name not in wanted and not sparse
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
    commit_point: CommitPoint = no_cancel,
) -> int:
    """Fill a new table, then swap it in: readers see the old rows or the new, never none."""
    fresh = spec.renamed(f"{spec.table}__dw_{hashlib.sha1(load_id.encode()).hexdigest()[:12]}")
    executor.command(f"DROP TABLE IF EXISTS {fresh.sql}")
    executor.command(create_table_sql(fresh, schema))
    rows = _insert(executor, staging, staged, fresh, schema, load_id)
    try:
        commit_point()
    except LoadCancelled:
        executor.command(f"DROP TABLE IF EXISTS {fresh.sql}")
        raise
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
    order: str | None = None,
    commit_point: CommitPoint = no_cancel,
) -> int:
    names = list(schema.names)
    version = time.time_ns() // 1000
    replacing = "Replacing" in spec.engine
    if replacing:
        names.append(VERSION_COLUMN)
    rows = 0
    if order is None:
        blocks: Iterator[pa.Table] = (
            pa.Table.from_batches([b]) for b in staging.batches(staged, BLOCK_ROWS, ordered=True)
        )
    else:
        blocks = cursor_blocks(staging, staged, order, BLOCK_ROWS)
    for block, data in enumerate(blocks):
        if block == 0:
            commit_point()
        if replacing:
            data = data.append_column(VERSION_COLUMN, pa.array([version] * len(data), pa.uint64()))
        executor.insert(insert_sql(spec, names, f"{load_id}:{block}"), data)
        rows += len(data)
    if rows == 0:
        commit_point()
    return rows


def _cursor_order(step: LoadSpec, schema: pa.Schema) -> str | None:
    """The cursor column an incremental load inserts in the order of; None: not incremental."""
    if not step.cursors:
        return None
    if len(step.cursors) > 1:
        raise TerminalError(
            "a ClickHouse sink takes one incremental source (its mark is the cursor's maximum "
            f"in the target), not {len(step.cursors)}: "
            + ", ".join(c.source for c in step.cursors),
            error_type="UNSUPPORTED_TARGET",
        )
    column = step.cursors[0].column
    if column not in schema.names:
        raise TerminalError(
            f"the cursor column {column!r} of incremental source {step.cursors[0].source!r} is "
            "not in the data loaded into ClickHouse, where its maximum is the high-water mark: "
            "keep it in the pipeline's SQL",
            error_type="SCHEMA_MISMATCH",
        )
    return column


def cursor_blocks(
    staging: DuckStaging, staged: Relation, column: str, block_rows: int
) -> Iterator[pa.Table]:
    """The staged rows in cursor order, cut into blocks of about ``block_rows`` that never
    split one cursor value (NULLs first); the same blocks on every read of the same table."""
    import numpy

    col = quote_ident_duck(column)
    sql = (
        f"WITH v AS (SELECT {col} AS _dw_v, count(*) AS _dw_n FROM {staged.sql} GROUP BY ALL), "
        "b AS (SELECT _dw_v, CAST((sum(_dw_n) OVER (ORDER BY _dw_v NULLS FIRST ROWS BETWEEN "
        f"UNBOUNDED PRECEDING AND CURRENT ROW) - _dw_n) // {int(block_rows)} AS BIGINT) "
        "AS _dw_block FROM v) "
        f"SELECT s.*, b._dw_block FROM {staged.sql} s JOIN b ON s.{col} IS NOT DISTINCT FROM "
        f"b._dw_v ORDER BY b._dw_block, s.{col} NULLS FIRST, s.rowid"
    )
    current: int | None = None
    pieces: list[pa.Table] = []
    for batch in staging.query_batches(sql, block_rows):
        table = pa.Table.from_batches([batch])
        ids = table.column("_dw_block").to_numpy()
        table = table.drop_columns(["_dw_block"])
        edges = [0, *(numpy.flatnonzero(numpy.diff(ids)) + 1).tolist(), len(ids)]
        for start, end in itertools.pairwise(edges):
            if start == end:
                continue
            if current is not None and int(ids[start]) != current:
                yield pa.concat_tables(pieces)
                pieces = []
            current = int(ids[start])
            pieces.append(table.slice(start, end - start))
    if pieces:
        yield pa.concat_tables(pieces)


def stored_mark(config: ClickHouseConfig, table: str, column: str) -> str | None:
    """The high-water mark of an incremental source loaded into ``table``: the cursor column's
    maximum there, as text; None: no table, no such column or no value yet."""
    ident = quote_ident(column)
    found = _read_target(
        config,
        table,
        [column],
        lambda sql: f"SELECT count(), max({ident}) FROM {sql} WHERE {ident} IS NOT NULL",
    )
    if not found:
        return None
    ((count, value),) = found
    return mark_text(value) if count else None


def stored_position(config: ClickHouseConfig, table: str) -> str | None:
    """A stream source's position in ``table``: the largest offset of every partition there
    (blocks are inserted in offset order, so what is there of a partition is a prefix)."""
    ranges = _read_target(config, table, list(offsets.COLUMNS[:3]), offsets.ranges_sql)
    return offsets.dump(offsets.advance({}, ranges, table)) if ranges else None


def _read_target(
    config: ClickHouseConfig, table: str, needs: list[str], query: Callable[[str], str]
) -> list[tuple[Any, ...]]:
    """The rows of ``query`` (given the table's SQL name) over a sink's target table; none
    when the table or one of the columns it ``needs`` is not there."""
    relation = Relation.parse(table)
    database = config.database if relation.schema == "public" else relation.schema
    spec = TableSpec.of(database, relation.name, "append", [], {})
    executor = executor_for(config)
    try:
        if not set(needs) <= set(existing_columns(executor, spec)):
            return []
        return executor.rows(query(spec.sql))
    except (TerminalError, TransientError):
        raise
    except Exception as exc:
        raise classify(exc) from exc
    finally:
        executor.close()


def mark_text(value: Any) -> str:
    """A cursor value as text DuckDB casts back to the column's type (an aware timestamp keeps
    its offset)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
