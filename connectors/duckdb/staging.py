"""DuckDB as the staging engine of a sink that is not PostgreSQL.

A DuckDB target stages inside its own database file (schema ``_ductwork``); files and ClickHouse
targets stage in a DuckDB file of the run under the staging directory, which every worker must
share (one disk, or one network volume). Extracted Arrow batches land in staging tables there;
transformations and quality checks run there as the pipeline's SQL (PostgreSQL's, transpiled
by sqlglot); loads read the staged tables from there.

duckdb is synchronous: callers run these methods in a worker thread. Every method opens the
file and closes it again, so no step holds it between steps.

Several worker processes: DuckDB lets one process at a time open a file read-write (a lock on
the file). The steps of one process share its open database; a step of another process that
finds the file locked waits for it here (logging who holds it, then polling with backoff for
up to ``LOCK_WAIT_SECONDS``) instead of failing: the holder is a step of the same run (a
parallel extract range, a load) that closes the file when it ends, and a killed holder's lock
goes with its process. Only after that wait does the step fail, as a transient error Temporal
retries. The steps of one run on several processes therefore take turns on the file: correct,
but extract ranges into one DuckDB file run one process at a time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import structlog

from connectors.base import ConnectorError, Progress
from connectors.duckdb import sandbox
from connectors.duckdb.config import classify
from connectors.postgres.arrow_ingest import Stopped
from connectors.postgres.sql import Relation, quote_ident
from connectors.read_ahead import read_ahead
from connectors.source_sql import transpile

DIALECT = "duckdb"


# One database instance per file in this process, shared by the steps that run in it at the
# same time (each gets its own connection: its own transactions) and closed when the last one
# ends, so the file is not held between steps. DuckDB refuses to open a file twice at once.
_OPEN: dict[str, list[Any]] = {}  # path -> [database connection, users]
_OPEN_LOCK = threading.Lock()
_OPENING: dict[str, threading.Lock] = {}  # path -> held while this process opens the file
_OPENING_LOCK = threading.Lock()
# Catalog changes (schemas, staging tables) one at a time: parallel steps racing to create the same
# table would otherwise conflict, and the loser's transaction would not see the winner's table.
_CATALOG_LOCK = threading.Lock()


LOCK_WAIT_SECONDS = 300.0
log = structlog.get_logger("ductwork.duckdb")


def _locked_by_another_process(exc: BaseException) -> bool:
    import duckdb

    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _connect(path: str, stop: threading.Event | None = None) -> Any:
    """Open the file read-write and locked down (it runs the tenant's transformations), waiting
    while another process holds it."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    delay = 0.05
    waited = False
    while True:
        try:
            database = sandbox.connect(path)
        except Exception as exc:
            if not _locked_by_another_process(exc) or time.monotonic() >= deadline:
                raise
            if stop is not None and stop.is_set():
                raise Stopped("stopped") from exc
            if not waited:
                log.warning(
                    "duckdb file locked by another worker process; waiting", path=path,
                    holder=str(exc).partition("held in ")[2].partition(". See")[0],
                )  # fmt: skip
                waited = True
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
            continue
        if waited:
            log.info("duckdb file lock acquired", path=path)
        return database


def _open(path: str, stop: threading.Event | None = None) -> Any:
    cursor = _use(path)
    if cursor is not None:
        return cursor
    # Opening may wait for another process: under this file's own lock, not _OPEN_LOCK, so
    # the steps using other files (or closing them) go on meanwhile.
    with _OPENING_LOCK:
        opening = _OPENING.setdefault(path, threading.Lock())
    with opening:
        cursor = _use(path)  # opened by another thread meanwhile
        if cursor is not None:
            return cursor
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        database = _connect(path, stop)
        with _OPEN_LOCK:
            _OPEN[path] = [database, 0]
        cursor = _use(path)
        assert cursor is not None
        return cursor


def _use(path: str) -> Any:
    """A new connection to the database of ``path`` if this process has it open, else None."""
    with _OPEN_LOCK:
        entry = _OPEN.get(path)
        if entry is None:
            return None
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
    def connect(self, stop: threading.Event | None = None) -> Iterator[Any]:
        """The staging database, read-write and locked down, sessions in UTC; errors
        classified. Waits while another process holds the file (``stop``: give up waiting)."""
        try:
            conn = _open(self.path, stop)
        except Stopped:
            raise
        except Exception as exc:
            raise classify(exc) from exc
        try:
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
        ahead = read_ahead(batches)  # the source reads its next batches while DuckDB inserts

        def counted() -> Iterator[pa.RecordBatch]:
            try:
                for batch in ahead:
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
            self._ingest(staging, schema, scope, counted(), stop)
        except Exception as exc:
            if source_failure and isinstance(source_failure[0], Exception):
                raise source_failure[0] from exc  # e.g. a transient source error stays retryable
            raise
        finally:
            ahead.close()  # stops the reading: the source is closed here
            close = getattr(batches, "close", None)  # never read: closed here too
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
        stop: threading.Event | None = None,
    ) -> None:
        with self.connect(stop) as conn:
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

    def max_text(self, table: Relation, column: str) -> str | None:
        """The column's maximum in ``table`` as text (a new high-water mark); None: no value."""
        with self.connect() as conn:
            (value,) = conn.execute(
                f"SELECT CAST(max({quote_ident(column)}) AS VARCHAR) FROM {table.sql}"
            ).fetchone()
        return value

    def query_rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Every row of a (small) query in DuckDB's SQL."""
        with self.connect() as conn:
            return conn.execute(sql).fetchall()

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

    def query_batches(self, sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """A query's rows (DuckDB's SQL) as record batches, one batch in memory at a time."""
        with self.connect() as conn:
            yield from conn.sql(sql).to_arrow_reader(batch_rows)

    def schema_of(self, table: Relation) -> pa.Schema:
        with self.connect() as conn:
            return conn.sql(f"SELECT * FROM {table.sql} LIMIT 0").to_arrow_table().schema

    def drop(self, prefix: str) -> int:
        """Drop the staging tables whose names start with ``prefix`` (a run's): in the staging
        schema, and beside a target table, where a replace's dataset is staged."""
        with self.connect() as conn:
            names = conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database() AND table_type = 'BASE TABLE' "
                "AND starts_with(table_name, ?)",
                [prefix],
            ).fetchall()
            for schema, name in names:
                conn.execute(f"DROP TABLE IF EXISTS {Relation(schema, name).sql}")
            if names:
                conn.execute("CHECKPOINT")  # give the space back to the file
        return len(names)
