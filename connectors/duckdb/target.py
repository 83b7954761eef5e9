"""A DuckDB database file as a target: the load modes, schema evolution, ledger and cursors.

The run staged its datasets in the target file itself (schema ``_ductwork``), so a load is one
DuckDB transaction over one file: it claims the ledger row ``(run, sink)``, advances the cursor
marks of the incremental sources it covers and writes the rows, or does none of it. A retry
after a commit whose acknowledgement was lost finds the ledger row and loads nothing twice.

A replace whose dataset only it reads finds it staged in the target table's own schema (the
planner puts it there) and swaps it in: the old table dropped and the staged one renamed, in
that same transaction, so the rows are written once. Any other replace copies the staged rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors import offsets
from connectors.base import LoadSpec, TerminalError
from connectors.commit_point import CommitPoint, LoadCancelled, no_cancel
from connectors.duckdb.staging import DuckStaging
from connectors.postgres.copy import Column
from connectors.postgres.load import _list, _match, _one_per_key
from connectors.postgres.schema import fits
from connectors.postgres.sql import Relation, quote_ident

Log = Callable[..., None]

# DuckDB's type names as PostgreSQL's, so one rule (``schema.fits``) decides what widens.
_PG_NAMES = {
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "TIME": "time without time zone",
    "INTERVAL": "interval",
    "BLOB": "bytea",
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def comparable_type(duck_type: str) -> str:
    """A DuckDB column type in PostgreSQL's words where there is one (else lower case)."""
    suffix = ""
    while duck_type.endswith("[]"):
        duck_type, suffix = duck_type[:-2], suffix + "[]"
    decimal = _DECIMAL.match(duck_type)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)}){suffix}"
    return _PG_NAMES.get(duck_type, duck_type.lower()) + suffix


def target_relation(table: str) -> Relation:
    """A sink's table in the DuckDB file: an unqualified name (``public``, as the definition
    writes it) is in ``main``."""
    target = Relation.parse(table)
    return Relation("main", target.name) if target.schema == "public" else target


@dataclass
class LoadOutcome:
    rows: int
    already_loaded: bool = False


def load(
    staging: DuckStaging,
    step: LoadSpec,
    load_id: str,
    config: Any,
    log: Log,
    *,
    commit_point: CommitPoint = no_cancel,
) -> LoadOutcome:
    """The whole load in one transaction of the target file (its staging: ``config`` adds
    nothing); a cancel before ``commit_point`` rolls it back."""
    target = target_relation(step.target_table)
    staged = Relation.parse(step.input_table)
    ledger = Relation(staging.schema, "loads").sql
    with staging.connect() as conn:
        _ensure_state(staging, conn)
        staging.ensure_schema(conn, target.schema)
        conn.execute("BEGIN")
        claimed = conn.execute(
            f"INSERT INTO {ledger} (load_id, target_table, rows, loaded_at) "
            "VALUES (?, ?, 0, now()) ON CONFLICT DO NOTHING RETURNING true",
            [load_id, str(target)],
        ).fetchall()
        if not claimed:
            conn.execute("ROLLBACK")
            (rows,) = conn.execute(
                f"SELECT rows FROM {ledger} WHERE load_id = ?", [load_id]
            ).fetchone()
            return LoadOutcome(int(rows), already_loaded=True)
        for cursor in step.cursors:
            advance = _advance_position if cursor.kind == "offsets" else _advance_cursor
            mark = advance(
                conn, staging, step.ref.pipeline_id, cursor.source, cursor.staging_table,
                cursor.column,
            )  # fmt: skip
            log("cursor advanced", source=cursor.source, to=mark)
        rows = _load(conn, step, staged, target, log)
        conn.execute(f"UPDATE {ledger} SET rows = ? WHERE load_id = ?", [rows, load_id])
        try:
            commit_point()
        except LoadCancelled:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return LoadOutcome(rows)


def committed_rows(staging: DuckStaging, load_id: str) -> int | None:
    """The rows a committed load wrote, from the ledger; None: it never committed."""
    ledger = Relation(staging.schema, "loads")
    with staging.connect() as conn:
        (exists,) = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = ?",
            [ledger.schema, ledger.name],
        ).fetchone()
        if not exists:
            return None
        row = conn.execute(f"SELECT rows FROM {ledger.sql} WHERE load_id = ?", [load_id]).fetchone()
    return None if row is None else int(row[0])


def _ensure_state(staging: DuckStaging, conn: Any) -> None:
    staging.ensure_schema(conn)
    for ddl in (
        f"CREATE TABLE IF NOT EXISTS {Relation(staging.schema, 'loads').sql} ("
        "load_id VARCHAR PRIMARY KEY, target_table VARCHAR NOT NULL, "
        "rows BIGINT NOT NULL DEFAULT 0, loaded_at TIMESTAMPTZ NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {Relation(staging.schema, 'cursors').sql} ("
        "pipeline_id VARCHAR NOT NULL, source VARCHAR NOT NULL, value VARCHAR NOT NULL, "
        "updated_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (pipeline_id, source))",
    ):
        conn.execute(ddl)


def _advance_cursor(
    conn: Any, staging: DuckStaging, pipeline_id: str, source: str, staged: str, column: str
) -> str | None:
    """The mark becomes the staged rows' maximum; unchanged when no rows came."""
    col = quote_ident(column)
    row = conn.execute(
        f"INSERT INTO {Relation(staging.schema, 'cursors').sql} "
        "(pipeline_id, source, value, updated_at) "
        f"SELECT ?, ?, CAST(max({col}) AS VARCHAR), now() FROM {Relation.parse(staged).sql} "
        f"HAVING max({col}) IS NOT NULL "
        "ON CONFLICT (pipeline_id, source) DO UPDATE "
        "SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at RETURNING value",
        [pipeline_id, source],
    ).fetchone()
    return None if row is None else row[0]


def _advance_position(
    conn: Any, staging: DuckStaging, pipeline_id: str, source: str, staged: str, _column: str
) -> str:
    """A stream source's position moves past the staged offsets (``connectors.offsets``)."""
    cursors = Relation(staging.schema, "cursors").sql
    row = conn.execute(
        f"SELECT value FROM {cursors} WHERE pipeline_id = ? AND source = ?", [pipeline_id, source]
    ).fetchone()
    ranges = conn.execute(offsets.ranges_sql(Relation.parse(staged).sql)).fetchall()
    position = offsets.dump(offsets.advance(offsets.parse(row[0] if row else None), ranges, source))
    conn.execute(
        f"INSERT INTO {cursors} (pipeline_id, source, value, updated_at) VALUES (?, ?, ?, now()) "
        "ON CONFLICT (pipeline_id, source) DO UPDATE "
        "SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
        [pipeline_id, source, position],
    )
    return position


def _load(conn: Any, step: LoadSpec, staged: Relation, target: Relation, log: Log) -> int:
    exists = _columns(conn, target)
    if step.mode == "replace":
        # Inside the transaction: readers see the old rows or the new ones, never none.
        if step.input_is_private and staged.schema == target.schema:
            _swap_in(conn, staged, target)
        else:
            conn.execute(f"CREATE OR REPLACE TABLE {target.sql} AS SELECT * FROM {staged.sql}")
        rows = step.input_rows if step.input_rows is not None else _count(conn, target)
        log("replaced", rows=rows, target=str(target))
        return rows
    if not exists:
        conn.execute(f"CREATE TABLE {target.sql} AS SELECT * FROM {staged.sql} LIMIT 0")
        log("created target table", target=str(target))
    sparse = any(c.kind == "offsets" for c in step.cursors)  # a stream's fields come and go
    columns, added = _evolve(conn, staged, target, sparse=sparse)
    for name in added:
        log("added column to target", column=name, target=str(target))
    present = {c.name for c in columns}
    latest = next((c.column for c in step.cursors if c.column in present), None)
    names = _list(c.name for c in columns)
    if step.mode == "merge" or step.deduplicate:
        _refuse_null_keys(conn, staged, step.keys, present)
    if step.mode == "merge":
        values = [c.name for c in columns if c.name not in step.keys]
        update = ""
        if values:
            changed = f"({_list(values, 't.')}) IS DISTINCT FROM ({_list(values, 's.')})"
            assignments = ", ".join(f"{quote_ident(v)} = s.{quote_ident(v)}" for v in values)
            update = f"WHEN MATCHED AND {changed} THEN UPDATE SET {assignments} "
        (rows,) = conn.execute(
            f"MERGE INTO {target.sql} AS t "
            f"USING {_one_per_key(staged, columns, step.keys, latest)} ON {_match(step.keys)} "
            f"{update}WHEN NOT MATCHED THEN INSERT ({names}) "
            f"VALUES ({_list((c.name for c in columns), 's.')})"
        ).fetchone()
        log("merged", rows=rows, target=str(target), keys=",".join(step.keys))
        return int(rows)
    if step.deduplicate:
        source = (
            f"{_one_per_key(staged, columns, step.keys, latest)} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {target.sql} t WHERE {_match(step.keys)})"
        )
    else:
        source = staged.sql
    (rows,) = conn.execute(
        f"INSERT INTO {target.sql} ({names}) SELECT {names} FROM {source}"
    ).fetchone()
    log("appended", rows=rows, target=str(target))
    return int(rows)


def _swap_in(conn: Any, staged: Relation, target: Relation) -> None:
    """The staged table, in the target's schema (the planner stages it there), takes the
    target's place: renamed, no row copied. Call inside the load's transaction."""
    conn.execute(f"DROP TABLE IF EXISTS {target.sql}")
    conn.execute(f"ALTER TABLE {staged.sql} RENAME TO {quote_ident(target.name)}")


def _columns(conn: Any, table: Relation) -> list[tuple[str, str, bool]]:
    """(name, type, has a default) of each column; empty when the table does not exist."""
    return [
        (name, type_, default is not None)
        for name, type_, default in conn.execute(
            "SELECT column_name, data_type, column_default FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [table.schema, table.name],
        ).fetchall()
    ]


def _evolve(
    conn: Any, staged: Relation, target: Relation, *, sparse: bool = False
) -> tuple[list[Column], list[str]]:
    """As ``connectors.postgres.schema.evolve``: add new columns; a narrowed type or a column
    gone (unless the data is ``sparse``) stops the load naming the column."""
    data = [Column(name, type_) for name, type_, _ in _columns(conn, staged)]
    existing = {name: (type_, default) for name, type_, default in _columns(conn, target)}
    problems = [
        f"column {c.name!r} is {c.type} in the data but {existing[c.name][0]} in {target}"
        for c in data
        if c.name in existing
        and not fits(comparable_type(c.type), comparable_type(existing[c.name][0]))
    ]
    present = {c.name for c in data}
    problems += [
        f"column {name!r} of {target} is not in the data (dropped or renamed in the source?)"
        for name, (_, default) in existing.items()
        if name not in present and not default and not sparse
    ]
    if problems:
        raise TerminalError(
            "the target table does not match the data: "
            + "; ".join(problems)
            + ". Change the target table or the pipeline's SQL; nothing was loaded.",
            error_type="SCHEMA_MISMATCH",
        )
    added = [c for c in data if c.name not in existing]
    for column in added:
        conn.execute(
            f"ALTER TABLE {target.sql} ADD COLUMN {quote_ident(column.name)} {column.type}"
        )
    return data, [c.name for c in added]


def _refuse_null_keys(conn: Any, staged: Relation, keys: list[str], present: set[str]) -> None:
    missing = [k for k in keys if k not in present]
    if missing:
        raise TerminalError(
            f"key column(s) {', '.join(missing)} are not in the data", error_type="SCHEMA_MISMATCH"
        )
    nulls = " OR ".join(f"{quote_ident(k)} IS NULL" for k in keys)
    (count,) = conn.execute(f"SELECT count(*) FROM {staged.sql} WHERE {nulls}").fetchone()
    if count:
        raise TerminalError(
            f"{count} rows have a NULL in the key ({', '.join(keys)}); a NULL key matches no row, "
            "so they could be loaded twice. Filter or fill them in a transformation.",
            error_type="DATA_ERROR",
        )


def _count(conn: Any, table: Relation) -> int:
    (rows,) = conn.execute(f"SELECT count(*) FROM {table.sql}").fetchone()
    return int(rows)
