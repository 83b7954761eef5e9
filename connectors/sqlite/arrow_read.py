"""Read a SQLite query as Arrow batches with connectorx, when that gives exactly what the
row-by-row conversion (``connectors.sqlite.types.to_array``) would.

SQLite stores any value in any column, and connectorx reads a column by its declared type and
stops at the first value stored otherwise (or parses dates more loosely than the row path).
So before reading, one query in SQLite itself checks that every value of every column is
stored the way connectorx reads it exactly: integers in INTEGER and BOOLEAN columns, ISO text
in DATE and TIMESTAMP columns, and so on. When a column's type has no such rule, the check
finds a value outside it, or connectorx types a column differently, ``batches`` returns None
and the caller converts row by row, as before. A value the check lets through and connectorx
still refuses (a day that does not exist) stops the read with the row path's own error. The
file is the one the confinement policy resolved (``SQLiteConfig.path``), opened read-only for
the check first.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from connectors.base import TerminalError, TransientError
from connectors.source_sql import conform
from connectors.sqlite.config import SQLiteConfig

_SUBQUERY = "_src"
_FRACTION = "'%Y-%m-%d %H:%M:%f'"  # strftime: seconds with 3 decimals


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _from_year_1(c: str) -> str:
    """Compared as text: ``c || ''`` drops the column's affinity (a DATE column's NUMERIC
    affinity would make '0001' the number 1, which every text is greater than)."""
    return f"({c} || '') >= '0001'"


def _date_ok(c: str) -> str:
    """'YYYY-MM-DD', as SQLite's date() writes it (connectorx parses looser forms too, e.g.
    '2026-1-2'), from year 1. A day that does not exist (2026-02-30) stops connectorx;
    ``_read`` then lets the row path name it."""
    return f"date({c}) IS {c} AND {_from_year_1(c)}"


def _timestamp_ok(c: str) -> str:
    """'YYYY-MM-DD HH:MM:SS' as SQLite's datetime() writes it, with no fraction, 3 or 6
    digits of it, from year 1 (a leap second or a 'T' takes the row path)."""
    micro = (
        f"length({c}) = 26 AND strftime({_FRACTION}, {c}) IS substr({c}, 1, 23) "
        f"AND substr({c}, 24) NOT GLOB '*[^0-9]*'"
    )
    return (
        f"{_from_year_1(c)} AND (datetime({c}) IS {c} OR strftime({_FRACTION}, {c}) IS {c} "
        f"OR ({micro}))"
    )


def _stored_as(*classes: str) -> Callable[[str], str]:
    listed = ", ".join(f"'{name}'" for name in classes)
    return lambda c: f"typeof({c}) IN ({listed})"


# The described type → (what connectorx reads the column as, the values it reads exactly).
_RULES: list[tuple[Callable[[pa.DataType], bool], tuple[pa.DataType, ...], Callable[[str], str]]]
_RULES = [
    (pa.types.is_int64, (pa.int64(),), _stored_as("integer")),
    (pa.types.is_float64, (pa.float64(),), _stored_as("real")),
    (pa.types.is_boolean, (pa.bool_(),), _stored_as("integer")),
    (pa.types.is_string, (pa.string(), pa.large_string()), _stored_as("text", "integer")),
    (pa.types.is_binary, (pa.binary(), pa.large_binary()), _stored_as("blob")),
    (pa.types.is_date32, (pa.date32(),), _date_ok),
    (lambda t: t == pa.timestamp("us"), (pa.timestamp("us"),), _timestamp_ok),
]


def _rule(data_type: pa.DataType) -> tuple[tuple[pa.DataType, ...], Callable[[str], str]] | None:
    for matches, read_as, check in _RULES:
        if matches(data_type):
            return read_as, check
    return None


def check_query(query: str, schema: pa.Schema) -> str | None:
    """A query returning a row when some value is not read exactly; None when a column's
    type has no rule (or names repeat), so the row path must read it."""
    if len(set(schema.names)) != len(schema.names):
        return None
    conditions = []
    for field in schema:
        rule = _rule(field.type)
        if rule is None:
            return None
        column = f"{_SUBQUERY}.{_quote(field.name)}"
        conditions.append(f"NOT ({column} IS NULL OR ({rule[1](column)}))")
    if not conditions:
        return None
    where = " OR ".join(conditions)
    return f"SELECT 1 FROM ({query}) AS {_SUBQUERY} WHERE {where} LIMIT 1"


def batches(
    config: SQLiteConfig,
    query: str,
    schema: pa.Schema,
    batch_rows: int,
    row_path: Callable[[], Iterator[pa.RecordBatch]],
) -> Iterator[pa.RecordBatch] | None:
    """The query's rows as batches of ``schema`` read by connectorx, or None when they would
    not be exactly what the row path gives (the caller reads them row by row then)."""
    check = check_query(query, schema)
    if check is None:
        return None
    config.open().close()  # read-only; refuses a missing file (connectorx would create it)
    # The check runs while connectorx starts reading ahead; no batch is taken before it passed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-check") as pool:
        checked = pool.submit(_values_read_exactly, config, check)
        reader = _reader(config, query, batch_rows)
        exact = checked.result()
    if reader is None or not exact or not _types_match(reader.schema, schema):
        if reader is not None:
            reader.close()
        return None
    return _read(reader, schema, row_path)


CHECK_SECONDS = 2.0
"""How long the exactness check may scan before the query is left to the row path."""


def _values_read_exactly(config: SQLiteConfig, check: str) -> bool:
    """Whether no value fails the check; an error (the file locked) leaves it to the row
    path, which reports it as it always has."""
    try:
        conn = config.open()
    except Exception:
        return False
    deadline = time.monotonic() + CHECK_SECONDS
    # Past the deadline SQLite interrupts the check (a huge or endless query): the row path,
    # which streams batches from the first row and stops when the run is cancelled, reads it.
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        return conn.execute(check).fetchone() is None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _reader(config: SQLiteConfig, query: str, batch_rows: int) -> Any:
    import connectorx

    url = "sqlite://" + quote(str(Path(config.path).resolve()))
    try:
        return connectorx.read_sql(url, query, return_type="arrow_stream", batch_size=batch_rows)
    except Exception:  # e.g. an undeclared column whose first value is NULL: the row path
        return None


def _types_match(read: pa.Schema, described: pa.Schema) -> bool:
    if len(read) != len(described):
        return False
    for got, field in zip(read, described, strict=True):
        rule = _rule(field.type)
        if rule is None or not any(got.type.equals(t) for t in rule[0]):
            return False
    return True


def _read(
    reader: Any, schema: pa.Schema, row_path: Callable[[], Iterator[pa.RecordBatch]]
) -> Iterator[pa.RecordBatch]:
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except BaseException as exc:  # connectorx raises a Rust panic as a BaseException
                if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                    raise
                raise _failure(exc, row_path) from exc
            yield conform(batch, schema)
    finally:
        reader.close()


def _failure(exc: BaseException, row_path: Callable[[], Iterator[pa.RecordBatch]]) -> Exception:
    """What stopped connectorx, as the row path reports it: a value it refuses too (a day
    that does not exist) gives the same error naming the column; if the row path reads
    everything, the file changed while it was read, and a retry reads it again."""
    try:
        for _ in row_path():
            pass
    except TerminalError as refused:
        return refused
    return TransientError(
        f"SQLite: the file changed while it was read ({exc})", error_type="DATABASE_UNAVAILABLE"
    )
