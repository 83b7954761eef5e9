"""Read a SQLite query as Arrow batches with connectorx, exactly as the row-by-row
conversion (``connectors.sqlite.types.to_array``) would.

SQLite stores any value in any column, and connectorx reads a column by its declared type and
stops at the first value stored otherwise (or parses dates more loosely than the row path).
So connectorx reads the query with one more column, computed by SQLite in the same scan: 0
when every value of the row is stored the way connectorx reads it exactly (integers in INTEGER
and BOOLEAN columns, ISO text in DATE and TIMESTAMP columns, and so on), else 1. A batch is
handed on only when every row of it says 0. The first row that says 1, or a value connectorx
refuses, raises ``ReadAgain``: the consumer rolls back what it took (one transaction) and
reads the row path instead, which gives the same rows or its own error naming the column.
When a column's type has no such rule or connectorx types a column differently, ``batches``
returns None and the caller converts row by row from the start. The check costs no scan of
its own and holds nothing up: the rows stream from the first batch. The file is the one the
confinement policy resolved (``SQLiteConfig.path``), opened read-only first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from connectors.base import ReadAgain
from connectors.source_sql import conform
from connectors.sqlite.config import SQLiteConfig

_SUBQUERY = "_src"
_FRACTION = "'%Y-%m-%d %H:%M:%f'"  # strftime: seconds with 3 decimals


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _from_year_1(c: str) -> str:
    """Compared as text, for a value the other conditions find in ISO form: a column's NUMERIC
    affinity leaves '0001-01-01' text, where it would make '0001' the number 1 (which every
    text is greater than), and no copy of the value is made as ``c || ''`` would."""
    return f"{c} >= '0001-01-01'"


def _date_ok(c: str) -> str:
    """'YYYY-MM-DD', as SQLite's date() writes it (connectorx parses looser forms too, e.g.
    '2026-1-2'), from year 1. A day that does not exist (2026-02-30) stops connectorx;
    ``_read`` then lets the row path name it."""
    return f"date({c}) IS {c} AND {_from_year_1(c)}"


def _timestamp_ok(c: str) -> str:
    """'YYYY-MM-DD HH:MM:SS' as SQLite's datetime() writes it, with no fraction, 3 or 6
    digits of it, from year 1 (a leap second or a 'T' takes the row path). The value's length
    picks the one form it can be, so each value is parsed once, not up to three times."""
    micro = (
        f"strftime({_FRACTION}, {c}) IS substr({c}, 1, 23) AND substr({c}, 24) NOT GLOB '*[^0-9]*'"
    )
    return (
        f"{_from_year_1(c)} AND CASE length({c}) "
        f"WHEN 19 THEN datetime({c}) IS {c} "
        f"WHEN 23 THEN strftime({_FRACTION}, {c}) IS {c} "
        f"WHEN 26 THEN {micro} ELSE 0 END"
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


def exactness_query(query: str, schema: pa.Schema) -> tuple[str, str] | None:
    """``query`` with one more column (and its name): 0 when every value of the row is read
    exactly, else 1. None when a column's type has no rule (or names repeat), so the row path
    must read it."""
    if len(set(schema.names)) != len(schema.names):
        return None
    conditions = []
    for field in schema:
        rule = _rule(field.type)
        if rule is None:
            return None
        column = f"{_SUBQUERY}.{_quote(field.name)}"
        conditions.append(f"({column} IS NULL OR ({rule[1](column)}))")
    if not conditions:
        return None
    flag = "_dw_inexact"
    while flag in schema.names:
        flag = f"_{flag}"
    exact = " AND ".join(conditions)  # NULL (unknown) counts as inexact
    return (
        f"SELECT {_SUBQUERY}.*, CASE WHEN {exact} THEN 0 ELSE 1 END AS {_quote(flag)} "
        f"FROM ({query}) AS {_SUBQUERY}",
        flag,
    )


def batches(
    config: SQLiteConfig,
    query: str,
    schema: pa.Schema,
    batch_rows: int,
    row_path: Callable[[], Iterator[pa.RecordBatch]],
) -> Iterator[pa.RecordBatch] | None:
    """The query's rows as batches of ``schema`` read by connectorx, or None when its types
    would not be exactly the row path's (the caller reads row by row then). A row whose values
    connectorx would read otherwise raises ``ReadAgain`` with ``row_path``."""
    flagged = exactness_query(query, schema)
    if flagged is None:
        return None
    config.open().close()  # read-only; refuses a missing file (connectorx would create it)
    reader = _reader(config, flagged[0], batch_rows)
    if reader is None:
        return None
    read, flag = reader.schema, reader.schema.field(len(reader.schema) - 1)
    exact_flag = flag.name == flagged[1] and pa.types.is_integer(flag.type)
    if not exact_flag or not _types_match(read.remove(len(read) - 1), schema):
        reader.close()
        return None
    return _read(reader, schema, row_path)


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
    import pyarrow.compute as pc

    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except BaseException as exc:  # connectorx raises a Rust panic as a BaseException
                if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                    raise
                raise ReadAgain(f"connectorx refused a value ({exc})", row_path) from exc
            inexact = batch.column(batch.num_columns - 1)
            if inexact.null_count or pc.max(inexact).as_py():
                raise ReadAgain("a value connectorx would read otherwise", row_path)
            yield conform(batch.drop_columns([batch.schema.names[-1]]), schema)
    finally:
        reader.close()
