"""DuckDB as the staging engine of a sink that is not PostgreSQL.

A DuckDB target stages inside its own database file (schema ``_ductwork``); files and ClickHouse
targets stage in a DuckDB file of the run under the staging directory, which every worker must
share (one disk, or one network volume). Extracted Arrow batches land in staging tables there;
transformations and quality checks run there as the pipeline's SQL (PostgreSQL's, transpiled
by sqlglot); loads read the staged tables from there.

duckdb is synchronous: callers run these methods in a worker thread. Every method opens the
file and closes it again, so no step holds it between steps.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from connectors.base import ConnectorError, Progress
from connectors.duckdb.config import classify
from connectors.postgres.arrow_ingest import Stopped
from connectors.postgres.sql import Relation, quote_ident
from connectors.source_sql import transpile

DIALECT = "duckdb"


# One database instance per file in this process, shared by the steps that run in it at the
# same time (each gets its own connection: its own transactions) and closed when the last one
# ends, so the file is not held between steps. DuckDB refuses to open a file twice at once.
_OPEN: dict[str, list[Any]] = {}  # path -> [database connection, users]
_OPEN_LOCK = threading.Lock()
# Catalog changes (schemas, staging tables) one at a time: parallel steps racing to create the same
# table would otherwise conflict, and the loser's transaction would not see the winner's table.
_CATALOG_LOCK = threading.Lock()


def _open(path: str) -> Any:
    import duckdb

    with _OPEN_LOCK:
        entry = _OPEN.get(path)
        if entry is None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            entry = _OPEN[path] = [duckdb.connect(path), 0]
        entry[1] += 1
        try:
            return entry[0].cursor()
        except Exception:
            _release(path)
            raise


def _close(path: str, conn: Any) -> None:
    with contextlib.suppress(Exception):
        conn.close()
    with _OPEN_LOCK:
        _release(path)


def _release(path: str) -> None:
    """Called under the lock: one user fewer; the last one closes the database."""
    entry = _OPEN[path]
    entry[1] -= 1
    if entry[1] == 0:
        del _OPEN[path]
        with contextlib.suppress(Exception):
            entry[0].close()


def duck_sql(sql: str) -> str:
    """The pipeline's SQL (PostgreSQL's) in DuckDB's dialect."""
    return transpile(sql, DIALECT)


@dataclass(frozen=True)
class DuckStaging:
    path: str
    schema: str  # the staging schema, e.g. _ductwork

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        """The staging database, read-write, sessions in UTC; errors classified."""
        try:
            conn = _open(self.path)
        except Exception as exc:
            raise classify(exc) from exc
        try:
            conn.execute("SET TimeZone = 'UTC'")
            yield conn
        except Exception as exc:
            with contextlib.suppress(Exception):
                conn.rollback()
            if isinstance(exc, ConnectorError):
                raise
            raise classify(exc) from exc
        finally:
            _close(self.path, conn)

    def ensure_schema(self, conn: Any, schema: str | None = None) -> None:
        with _CATALOG_LOCK:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema or self.schema)}")

    def ingest(
        self,
        staging: Relation,
        schema: pa.Schema,
        batches: Iterator[pa.RecordBatch],
        progress: Progress,
        *,
        scope: str | None = None,
        stop: threading.Event | None = None,
    ) -> int:
        """Load ``batches`` into ``staging`` in one transaction (see ``arrow_ingest.ingest``:
        without ``scope`` a fresh table, with it the table's rows in scope replaced)."""

        source_failure: list[BaseException] = []

        def counted() -> Iterator[pa.RecordBatch]:
            try:
                for batch in batches:
                    if stop is not None and stop.is_set():
                        raise Stopped("stopped")
                    progress.rows += batch.num_rows
                    progress.bytes += batch.nbytes
                    yield batch
            except BaseException as exc:  # DuckDB re-raises it as its own error: keep the cause
                source_failure.append(exc)
                raise

        progress.rows = 0
        try:
            self._ingest(staging, schema, scope, counted())
        except Exception as exc:
            if source_failure and isinstance(source_failure[0], Exception):
                raise source_failure[0] from exc  # e.g. a transient source error stays retryable
            raise
        finally:
            close = getattr(batches, "close", None)  # a generator: its source closes here
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
        return progress.rows

    def _ingest(
        self,
        staging: Relation,
        schema: pa.Schema,
        scope: str | None,
        stream: Iterator[pa.RecordBatch],
    ) -> None:
        with self.connect() as conn:
            self.ensure_schema(conn, staging.schema)
            conn.register("_dw_empty", schema.empty_table())
            if scope is not None:
                self._create_if_missing(conn, staging)
            conn.execute("BEGIN")
            if scope is None:
                conn.execute(f"DROP TABLE IF EXISTS {staging.sql}")
                conn.execute(f"CREATE TABLE {staging.sql} AS SELECT * FROM _dw_empty")
            else:
                conn.execute(f"DELETE FROM {staging.sql} WHERE {duck_sql(scope)}")
            conn.register("_dw_batches", pa.RecordBatchReader.from_batches(schema, stream))
            conn.execute(f"INSERT INTO {staging.sql} SELECT * FROM _dw_batches")
            conn.execute("COMMIT")

    def _create_if_missing(self, conn: Any, staging: Relation) -> None:
        with _CATALOG_LOCK:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {staging.sql} AS SELECT * FROM _dw_empty")

    def columns_of(self, sql: str) -> list[str]:
        """The output columns of a query in DuckDB's SQL."""
        with self.connect() as conn:
            return list(conn.sql(sql).columns)

    def create_as(self, output: Relation, sql: str) -> tuple[int, int]:
        """``CREATE TABLE output AS sql`` (DuckDB's SQL), replacing it; rows and bytes."""
        with self.connect() as conn:
            self.ensure_schema(conn, output.schema)
            conn.execute("BEGIN")
            conn.execute(f"CREATE OR REPLACE TABLE {output.sql} AS {sql}")
            conn.execute("COMMIT")
            (rows,) = conn.execute(f"SELECT count(*) FROM {output.sql}").fetchone()
            return int(rows), 0

    def fetchrow(self, sql: str) -> dict[str, Any] | None:
        """One row of a query in the pipeline's SQL; timestamps with a zone come back aware
        (through Arrow: DuckDB's own conversion needs pytz)."""
        with self.connect() as conn:
            rows = conn.sql(duck_sql(sql)).limit(1).to_arrow_table().to_pylist()
        return rows[0] if rows else None

    def rows(self, table: Relation) -> int:
        with self.connect() as conn:
            (count,) = conn.execute(f"SELECT count(*) FROM {table.sql}").fetchone()
            return int(count)

    def stored_mark(self, pipeline_id: str, source: str) -> str | None:
        """The high-water mark kept in this database (a DuckDB target's), if any."""
        cursors = Relation(self.schema, "cursors")
        with self.connect() as conn:
            present = conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? "
                "AND table_name = 'cursors'",
                [self.schema],
            ).fetchall()
            if not present:
                return None
            row = conn.execute(
                f"SELECT value FROM {cursors.sql} WHERE pipeline_id = ? AND source = ?",
                [pipeline_id, source],
            ).fetchone()
        return None if row is None else row[0]

    def mark_value(self, mark: str, data_type: pa.DataType) -> Any:
        """A mark (text) as a value of the cursor column's Arrow type."""
        with self.connect() as conn:
            conn.register("_dw_type", pa.schema([pa.field("v", data_type)]).empty_table())
            duck_type = conn.sql("SELECT v FROM _dw_type").types[0]
            table = conn.sql(f"SELECT CAST(? AS {duck_type}) AS v", params=[mark])
            return table.to_arrow_table().column(0)[0].as_py()

    def batches(
        self, table: Relation, batch_rows: int, *, ordered: bool = False
    ) -> Iterator[pa.RecordBatch]:
        """A staged table's rows as record batches, one batch in memory at a time; ``ordered``:
        in the order they were stored, so every read cuts the same batches."""
        order = " ORDER BY rowid" if ordered else ""
        with self.connect() as conn:
            relation = conn.sql(f"SELECT * FROM {table.sql}{order}")
            reader = relation.to_arrow_reader(batch_rows)
            yield from reader

    def schema_of(self, table: Relation) -> pa.Schema:
        with self.connect() as conn:
            return conn.sql(f"SELECT * FROM {table.sql} LIMIT 0").to_arrow_table().schema

    def drop(self, prefix: str) -> int:
        """Drop the staging tables whose names start with ``prefix``."""
        with self.connect() as conn:
            names = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                "AND starts_with(table_name, ?)",
                [self.schema, prefix],
            ).fetchall()
            for (name,) in names:
                conn.execute(f"DROP TABLE IF EXISTS {Relation(self.schema, name).sql}")
            if names:
                conn.execute("CHECKPOINT")  # give the space back to the file
        return len(names)
