"""Read a SQLite query as Arrow batches with connectorx, exactly as the row-by-row
conversion (``connectors.sqlite.types.to_array``) would.

SQLite stores any value in any column. connectorx reads a column as one type and refuses a
value stored as another (text in an INTEGER column, a blob in a TEXT one): that raises
``ReadAgain``, and the consumer rolls back what it took (one transaction) and reads the row
path instead, which gives the same rows or its own error naming the column. The one place
connectorx would read a value silently otherwise is text in a DATE or TIMESTAMP column: its
parser also takes single-digit fields, a leading sign or space, a leap second or a 'T'. So
those columns are read as their text and converted here, each batch's values checked first in
Arrow: the forms SQLite's date() and datetime() write ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS' with
no fraction, 3 or 6 digits of it), from year 1; a day that does not exist fails the
conversion. Any other value hands the read to the row path, from the batch that holds it.

To read text where the declared type says date, the query is read under a first row of ours,
``SELECT 1, '' … UNION ALL SELECT 0, * FROM (query)``: a compound query's columns have no
declared type, and connectorx takes the type of such a column from its first row, so every
column is read as the type of our literal (a boolean as its integer). That row is dropped. When
a column's type has no such literal or connectorx reads a column otherwise, ``batches``
returns None and the caller converts row by row from the start. The rows stream from the
first batch; the file is the one the confinement policy resolved (``SQLiteConfig.path``),
opened read-only first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import ReadAgain
from connectors.source_sql import conform
from connectors.sqlite.config import SQLiteConfig

_SUBQUERY = "_src"
_FROM_YEAR_1 = "0001-01-01"  # compared as text: year 0 (which Python has not) is below it
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_TIMESTAMP = r"^\d{4}-\d{2}-\d{2} (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3}|\.\d{6})?$"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Read:
    """How a column of a described type is read: the literal of the first row (its type is
    the column's), the types connectorx reads it as, and the conversion of a batch's column
    to the described type (None when there is nothing to convert), which returns None when a
    value in it cannot be taken exactly."""

    literal: str
    read_as: tuple[pa.DataType, ...]
    convert: Callable[[pa.Array, pa.DataType], pa.Array | None] | None = None


def _nonzero(column: pa.Array, _: pa.DataType) -> pa.Array:
    return pc.not_equal(column, pa.scalar(0))  # the row path's bool() of an integer


def _parsed(pattern: str) -> Callable[[pa.Array, pa.DataType], pa.Array | None]:
    """ISO text in exactly the forms of ``pattern``, from year 1, converted to its type."""

    def convert(column: pa.Array, data_type: pa.DataType) -> pa.Array | None:
        exact = pc.and_(
            pc.match_substring_regex(column, pattern),
            pc.greater_equal(column, pa.scalar(_FROM_YEAR_1)),
        )
        if not pc.all(exact).as_py():  # nulls are skipped: a column of nulls is exact
            return None
        try:
            return pc.cast(column, data_type)
        except pa.ArrowInvalid:  # a day that does not exist: the row path names it
            return None

    return convert


_STRINGS = (pa.string(), pa.large_string())
_RULES: list[tuple[Callable[[pa.DataType], bool], _Read]] = [
    (pa.types.is_int64, _Read("0", (pa.int64(),))),
    (pa.types.is_float64, _Read("0.0", (pa.float64(),))),
    (pa.types.is_boolean, _Read("0", (pa.int64(),), _nonzero)),
    (pa.types.is_string, _Read("''", _STRINGS)),
    (pa.types.is_binary, _Read("X''", (pa.binary(), pa.large_binary()))),
    (pa.types.is_date32, _Read("''", _STRINGS, _parsed(_DATE))),
    (lambda t: t == pa.timestamp("us"), _Read("''", _STRINGS, _parsed(_TIMESTAMP))),
]


def _rule(data_type: pa.DataType) -> _Read | None:
    for matches, read in _RULES:
        if matches(data_type):
            return read
    return None


def typed_query(query: str, schema: pa.Schema) -> tuple[str, list[_Read]] | None:
    """``query`` under our first row (its first column says which row is ours: 1), and how
    each column of ``schema`` is read. None when a column's type has no rule (or names
    repeat), so the row path must read it."""
    if not len(schema) or len(set(schema.names)) != len(schema.names):
        return None
    reads = []
    for field in schema:
        read = _rule(field.type)
        if read is None:
            return None
        reads.append(read)
    marker = "_dw_first"
    while marker in schema.names:
        marker = f"_{marker}"
    first = ", ".join(
        [f"1 AS {_quote(marker)}"]
        + [f"{read.literal} AS {_quote(f.name)}" for f, read in zip(schema, reads, strict=True)]
    )
    union = f"SELECT 0, {_SUBQUERY}.* FROM ({query}) AS {_SUBQUERY}"
    return f"SELECT {first} UNION ALL {union}", reads


def batches(
    config: SQLiteConfig,
    query: str,
    schema: pa.Schema,
    batch_rows: int,
    row_path: Callable[[], Iterator[pa.RecordBatch]],
) -> Iterator[pa.RecordBatch] | None:
    """The query's rows as batches of ``schema`` read by connectorx, or None when its types
    would not be exactly the row path's (the caller reads row by row then). A value
    connectorx would read otherwise raises ``ReadAgain`` with ``row_path``."""
    typed = typed_query(query, schema)
    if typed is None:
        return None
    config.open().close()  # read-only; refuses a missing file (connectorx would create it)
    reader = _reader(config, typed[0], batch_rows)
    if reader is None:
        return None
    read = reader.schema
    if len(read) != len(schema) + 1 or not read.field(0).type.equals(pa.int64()):
        reader.close()
        return None
    for got, rule in zip(read.remove(0), typed[1], strict=True):
        if not any(got.type.equals(t) for t in rule.read_as):
            reader.close()
            return None
    return _read(reader, schema, typed[1], row_path)


def _reader(config: SQLiteConfig, query: str, batch_rows: int) -> Any:
    import connectorx

    url = "sqlite://" + quote(str(Path(config.path).resolve()))
    try:
        return connectorx.read_sql(url, query, return_type="arrow_stream", batch_size=batch_rows)
    except Exception:  # e.g. connectorx cannot type a column: the row path
        return None


def _read(
    reader: Any,
    schema: pa.Schema,
    reads: list[_Read],
    row_path: Callable[[], Iterator[pa.RecordBatch]],
) -> Iterator[pa.RecordBatch]:
    ours = True  # our first row is still to be dropped
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
            if ours and batch.num_rows:
                if batch.column(0)[0].as_py() != 1:
                    raise ReadAgain("the typing row did not come first", row_path)
                batch, ours = batch.slice(1), False
            if pc.max(batch.column(0)).as_py():  # ours again: never, unless SQLite reorders
                raise ReadAgain("the typing row came again", row_path)
            columns = []
            for column, field, read in zip(batch.columns[1:], schema, reads, strict=True):
                converted = column if read.convert is None else read.convert(column, field.type)
                if converted is None:
                    raise ReadAgain("a value connectorx would read otherwise", row_path)
                columns.append(converted)
            yield conform(pa.RecordBatch.from_arrays(columns, names=schema.names), schema)
    finally:
        reader.close()
