"""Arrow record batches into a PostgreSQL table: the type mapping, and a COPY-based bulk load.

The table is created from the Arrow schema with the explicit mapping below, then the batches
are streamed into it by ADBC PostgreSQL's ``adbc_ingest`` (binary COPY), all in one
transaction: a failure leaves nothing behind. Batches are pulled one at a time, so memory is
bounded by the batch size. This runs in a worker thread (ADBC is synchronous).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Generator, Iterator
from urllib.parse import quote, urlencode

import pyarrow as pa

from connectors.base import ConnectorError, Progress, TerminalError, TransientError
from connectors.postgres import adbc_databases
from connectors.postgres.config import PostgresConfig
from connectors.postgres.copy import Column, create_table_sql
from connectors.postgres.errors import classify_sqlstate
from connectors.postgres.sql import Relation

# Arrow type -> (PostgreSQL type as format_type() prints it, Arrow type sent over COPY).
# PostgreSQL has no unsigned integers: each takes the next wider signed type (uint64: numeric).
_FIXED: list[tuple[Callable[[pa.DataType], bool], str, pa.DataType | None]] = [
    (pa.types.is_null, "text", pa.string()),  # a column of NULLs only
    (pa.types.is_boolean, "boolean", None),
    (pa.types.is_int8, "smallint", pa.int16()),
    (pa.types.is_uint8, "smallint", pa.int16()),
    (pa.types.is_int16, "smallint", None),
    (pa.types.is_uint16, "integer", pa.int32()),
    (pa.types.is_int32, "integer", None),
    (pa.types.is_uint32, "bigint", pa.int64()),
    (pa.types.is_int64, "bigint", None),
    (pa.types.is_uint64, "numeric(20,0)", pa.decimal128(20, 0)),
    (pa.types.is_float16, "real", pa.float32()),
    (pa.types.is_float32, "real", None),
    (pa.types.is_float64, "double precision", None),
    (pa.types.is_string, "text", None),
    (pa.types.is_large_string, "text", None),
    (pa.types.is_string_view, "text", pa.string()),
    (pa.types.is_binary, "bytea", None),
    (pa.types.is_large_binary, "bytea", None),
    (pa.types.is_binary_view, "bytea", pa.binary()),
    (pa.types.is_fixed_size_binary, "bytea", pa.binary()),
    (pa.types.is_date32, "date", None),
    (pa.types.is_date64, "date", pa.date32()),
    (pa.types.is_time, "time without time zone", pa.time64("us")),
    (pa.types.is_duration, "interval", pa.duration("us")),
    (pa.types.is_interval, "interval", pa.month_day_nano_interval()),
]


class UnsupportedType(TerminalError):
    def __init__(self, message: str) -> None:
        super().__init__(message, error_type="UNSUPPORTED_TYPE")


def postgres_type(data_type: pa.DataType) -> tuple[str, pa.DataType]:
    """The PostgreSQL column type of an Arrow type, and the Arrow type COPY receives."""
    if pa.types.is_dictionary(data_type):  # e.g. DuckDB enums: stored as their values
        return postgres_type(data_type.value_type)
    if isinstance(data_type, pa.ExtensionType):
        return postgres_type(data_type.storage_type)
    for test, pg_type, wire in _FIXED:
        if test(data_type):
            return pg_type, wire or data_type
    if pa.types.is_decimal(data_type):
        if data_type.scale < 0:
            raise UnsupportedType(f"{data_type} has a negative scale")
        return f"numeric({data_type.precision},{data_type.scale})", data_type
    if pa.types.is_timestamp(data_type):
        # PostgreSQL keeps microseconds: nanoseconds are truncated, seconds widened.
        if data_type.tz is None:
            return "timestamp without time zone", pa.timestamp("us")
        return "timestamp with time zone", pa.timestamp("us", tz="UTC")
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        item = data_type.value_type
        if pa.types.is_nested(item) or pa.types.is_dictionary(item):
            raise UnsupportedType(f"{data_type} nests lists or records")
        pg_item, wire_item = postgres_type(item)
        return f"{pg_item}[]", pa.list_(wire_item)
    raise UnsupportedType(f"{data_type} has no PostgreSQL type here")


def staging_columns(schema: pa.Schema) -> list[Column]:
    """The columns of the table an Arrow schema is loaded into; unsupported types name their
    column."""
    columns = []
    for field in schema:
        try:
            pg_type, _ = postgres_type(field.type)
        except UnsupportedType as exc:
            raise UnsupportedType(
                f"column {field.name!r} is {exc.message}: cast it to a simpler type "
                "(e.g. text) in a source query"
            ) from None
        columns.append(Column(field.name, pg_type))
    return columns


def wire_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, postgres_type(f.type)[1], nullable=True) for f in schema])


def conform(batch: pa.RecordBatch, wire: pa.Schema) -> pa.RecordBatch:
    """Cast a batch to the types COPY receives (nanoseconds truncate, nothing else may lose)."""
    if batch.schema.equals(wire):
        return batch
    arrays = []
    for array, field in zip(batch.columns, wire, strict=True):
        if array.type.equals(field.type):
            arrays.append(array)
            continue
        lossy = pa.types.is_temporal(array.type) and not pa.types.is_date(array.type)
        if isinstance(array, pa.DictionaryArray):  # the arrays of a dictionary type
            array = array.dictionary_decode()
        arrays.append(array.cast(field.type, safe=not lossy))
    return pa.RecordBatch.from_arrays(arrays, schema=wire)


def adbc_uri(config: PostgresConfig) -> str:
    """A libpq URI for ADBC PostgreSQL (the password is in it: never log it)."""
    user = quote(config.user or "", safe="")
    password = f":{quote(config.password, safe='')}" if config.password else ""
    auth = f"{user}{password}@" if user else ""
    params = {
        "application_name": "ductwork",
        "connect_timeout": str(max(1, round(config.connect_timeout_s))),
    }
    if config.ssl_mode:
        params["sslmode"] = config.ssl_mode
    host = f"[{config.host}]" if ":" in config.host else config.host
    return f"postgresql://{auth}{host}:{config.port}/{quote(config.database, safe='')}?" + (
        urlencode(params)
    )


class Stopped(Exception):
    """The load was asked to stop (the activity is being cancelled)."""


def ingest(
    config: PostgresConfig,
    staging: Relation,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    progress: Progress,
    *,
    scope: str | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Load ``batches`` (of ``schema``) into ``staging`` in one transaction; returns the rows.

    Without ``scope`` the table is dropped and created from the schema; with it (a predicate
    over the table, for one range of a partitioned extract) the table exists and the rows in
    ``scope`` are deleted first, so a retry starts clean.
    """
    columns = staging_columns(schema)
    wire = wire_schema(schema)
    source_failure: list[BaseException] = []

    def conformed() -> Generator[pa.RecordBatch, None, None]:
        try:
            for batch in batches:
                if stop is not None and stop.is_set():
                    raise Stopped("stopped")
                out = conform(batch, wire)
                progress.rows += out.num_rows
                progress.bytes += out.nbytes
                yield out
        except BaseException as exc:  # connectorx raises PanicException, a BaseException
            source_failure.append(exc)
            raise

    try:
        conn = adbc_databases.connect(adbc_uri(config))
    except Exception as exc:
        raise classify_adbc(exc) from exc
    progress.rows = 0
    stream = conformed()
    try:
        cursor = conn.cursor()
        try:
            if scope is None:
                cursor.execute(f"DROP TABLE IF EXISTS {staging.sql}")
                cursor.execute(create_table_sql(staging, columns))
            else:
                cursor.execute(f"DELETE FROM {staging.sql} WHERE {scope}")
            reader = pa.RecordBatchReader.from_batches(wire, stream)
            cursor.adbc_ingest(staging.name, reader, mode="append", db_schema_name=staging.schema)
        finally:
            cursor.close()
        conn.commit()
    except BaseException as exc:
        _quietly(conn.rollback)
        if source_failure:
            cause = source_failure[0]
            if isinstance(cause, Exception):
                raise cause from exc
            raise TerminalError(
                f"the source reader failed: {cause}", error_type="SOURCE_READ_FAILED"
            ) from exc
        if isinstance(exc, Exception):
            raise classify_adbc(exc) from exc
        raise
    finally:
        stream.close()
        close = getattr(batches, "close", None)  # a generator: its source closes in this thread
        if close is not None:
            _quietly(close)
        _quietly(conn.close)
    return progress.rows


def classify_adbc(exc: BaseException) -> ConnectorError:
    """ADBC's errors carry the SQLSTATE when the server sent one."""
    if isinstance(exc, ConnectorError):
        return exc
    sqlstate = getattr(exc, "sqlstate", None)
    message = str(exc).split("\n")[0]
    if sqlstate:
        return classify_sqlstate(sqlstate, message)
    import adbc_driver_manager

    if isinstance(exc, adbc_driver_manager.OperationalError):
        return TransientError(f"connection problem: {message}", error_type="CONNECTION_FAILED")
    return TerminalError(f"{type(exc).__name__}: {message}", error_type="UNEXPECTED_ERROR")


def _quietly(action: Callable[[], object]) -> None:
    """Cleanup after a failure: the first error is the one to report."""
    with contextlib.suppress(Exception):
        action()
