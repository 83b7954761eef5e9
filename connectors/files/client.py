"""Files: listing, globs, the query a source runs (``SELECT * FROM "path" [WHERE ...]``) and
reading with pyarrow.dataset, streaming record batches (memory bounded by the batch size).

A files source's query is SQL in DuckDB's dialect only as a carrier: its path is the table name,
and the predicates that incremental cursors and partitions add are turned into a pyarrow
dataset filter, so only rows that pass are read into batches.
"""

from __future__ import annotations

import asyncio
import io
import operator
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa
import sqlglot
from sqlglot import exp

from connectors.base import (
    ColumnInfo,
    ConnectionTestResult,
    TableInfo,
    TerminalError,
    elapsed_ms,
)
from connectors.files.config import EXTENSIONS, FilesConfig
from connectors.source_sql import conform

if TYPE_CHECKING:
    # pyarrow.dataset imports pandas (about 50 MB resident) and pyarrow.compute another 9 MB:
    # both are loaded by the step that reads files, not at worker start.
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    from pyarrow.fs import FileInfo

T = TypeVar("T")
_GLOB = re.compile(r"[*?\[]")
MAX_GROUPS = 500
S3_CSV_BLOCK_BYTES = 16 << 20
"""A CSV file on S3 is read (and its types inferred) 16 MiB at a time, not pyarrow's 1 MiB:
each block is a GET, so 16 times fewer requests (a third of the CPU against moto's server),
and a few blocks in memory at most (batches are still cut to the batch size). A local file
keeps 1 MiB: inferring the types of a bigger first block costs more than the reads it saves."""


async def _run(config: FilesConfig, work: Callable[[], T]) -> T:
    def guarded() -> T:
        try:
            return work()
        except Exception as exc:
            raise config.classify(exc) from exc

    return await asyncio.to_thread(guarded)


# ---- listing and matching ----------------------------------------------------------------


def _hidden(relative: str) -> bool:
    return any(part.startswith((".", "_")) for part in relative.split("/"))


def _relative(base: str, path: str) -> str:
    prefix = base.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else path


def _files(fs: Any, base: str, under: str = "") -> list[FileInfo]:
    """The files below ``base/under`` (their size too), sorted by their path."""
    from pyarrow.fs import FileSelector, FileType

    start = f"{base}/{under}".rstrip("/") if under else base
    infos = fs.get_file_info(FileSelector(start, recursive=True, allow_not_found=True))
    found = [i for i in infos if i.type == FileType.File and not _hidden(_relative(base, i.path))]
    return sorted(found, key=lambda i: _relative(base, i.path))


def _list(fs: Any, base: str, under: str = "") -> list[str]:
    """Files below ``base/under``, as paths relative to ``base``, sorted."""
    return [_relative(base, info.path) for info in _files(fs, base, under)]


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i)
            if end == -1:
                out.append(re.escape(ch))
            else:
                out.append(pattern[i : end + 1].replace("[!", "[^"))
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


def format_of(config: FilesConfig, path: str) -> str | None:
    if config.format:
        return config.format
    return EXTENSIONS.get(PurePosixPath(path).suffix.lower())


def matching(config: FilesConfig, pattern: str) -> tuple[Any, list[FileInfo]]:
    """The filesystem and the data files ``pattern`` names, with their sizes: a file opened
    with its size is read without asking for it again (on S3, a HEAD request per open)."""
    from pyarrow.fs import FileType

    fs, base = config.filesystem()
    pattern = pattern.strip().lstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if not pattern:
        raise TerminalError("a files source needs a path or glob as 'table'", error_type="INVALID")
    if _GLOB.search(pattern):
        fixed = _GLOB.split(pattern, 1)[0].rpartition("/")[0]
        regex = _glob_regex(pattern)
        infos = [i for i in _files(fs, base, fixed) if regex.match(_relative(base, i.path))]
    else:
        info = fs.get_file_info(f"{base}/{pattern}")
        if info.type == FileType.File:
            infos = [info]
        elif info.type == FileType.Directory:
            infos = _files(fs, f"{base}/{pattern}")
        else:
            infos = []
    infos = [i for i in infos if format_of(config, i.path) is not None]
    if not config.s3:
        for path in (pattern, *(i.path for i in infos)):  # every file read stays under the root
            config.confine(path, repr(path))
    return fs, infos


def _csv_options(config: FilesConfig) -> tuple[Any, Any, Any]:
    """The read, parse and convert options of a CSV file: one set for the schema and the rows."""
    from pyarrow import csv

    return (
        csv.ReadOptions(
            autogenerate_column_names=not config.header,
            block_size=S3_CSV_BLOCK_BYTES if config.s3 else csv.ReadOptions().block_size,
        ),
        csv.ParseOptions(delimiter=config.delimiter),
        # an empty field is NULL; "" (quoted) stays an empty string
        csv.ConvertOptions(strings_can_be_null=True),
    )


def _file_format(config: FilesConfig, kind: str) -> ds.FileFormat:
    import pyarrow.dataset as ds

    if kind == "parquet":
        return ds.ParquetFileFormat()
    if kind == "jsonl":
        return ds.JsonFileFormat()
    read_options, parse_options, convert_options = _csv_options(config)
    return ds.CsvFileFormat(
        parse_options=parse_options, read_options=read_options, convert_options=convert_options
    )


def csv_schema(config: FilesConfig, fs: Any, path: str) -> pa.Schema:
    """The schema pyarrow infers for a CSV file: from its first block, as the dataset's own
    inspection does, but reading that block alone (the inspection reads blocks ahead, on S3
    most of the file). One byte more makes the block end as it does in the full read: its
    last, partial row goes to the next block, so it takes no part in the inference."""
    from pyarrow import csv

    read_options, parse_options, convert_options = _csv_options(config)
    with fs.open_input_file(path) as f:
        head = f.read(read_options.block_size + 1)
    reader = csv.open_csv(
        io.BytesIO(head),
        read_options=read_options,
        parse_options=parse_options,
        convert_options=convert_options,
    )
    try:
        return reader.schema
    finally:
        reader.close()


def dataset(config: FilesConfig, pattern: str, schema: pa.Schema | None = None) -> ds.Dataset:
    """The files ``pattern`` names as one dataset; ``schema`` (as ``describe`` gave it) spares
    reading it again: its types are what the rows are read as. Its fragments know their
    files' sizes (from the listing), so opening one asks for nothing but its bytes."""
    fs, infos = matching(config, pattern)
    if not infos:
        raise TerminalError(
            f"no data file matches {pattern!r} under {config.root}", error_type="TABLE_NOT_FOUND"
        )
    kinds = {format_of(config, i.path) for i in infos}
    if len(kinds) > 1:
        raise TerminalError(
            f"{pattern!r} matches files of several formats "
            f"({', '.join(sorted(k or 'no known extension' for k in kinds))}): "
            "narrow the glob or set properties.format",
            error_type="INVALID",
        )
    kind = kinds.pop() or "csv"
    if kind == "csv" and config.format is None and all(i.path.endswith(".tsv") for i in infos):
        config = FilesConfig(**{**config.__dict__, "delimiter": "\t"})  # type: ignore[arg-type]
    import pyarrow.dataset as ds

    file_format = _file_format(config, kind)
    fragments = [file_format.make_fragment(i.path, filesystem=fs, file_size=i.size) for i in infos]
    if schema is None and kind == "csv":  # a dataset's schema is its first file's
        schema = csv_schema(config, fs, infos[0].path)
    elif schema is None:
        schema = fragments[0].physical_schema
    return ds.FileSystemDataset(fragments, schema, file_format, fs)


# ---- the query: a path and a filter ------------------------------------------------------

_COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    exp.GT: operator.gt,
    exp.GTE: operator.ge,
    exp.LT: operator.lt,
    exp.LTE: operator.le,
    exp.EQ: operator.eq,
    exp.NEQ: operator.ne,
}
_FLIPPED = {operator.gt: operator.lt, operator.ge: operator.le, operator.lt: operator.gt}
_FLIPPED |= {operator.le: operator.ge, operator.eq: operator.eq, operator.ne: operator.ne}


def _unsupported(query: str, what: str) -> TerminalError:
    return TerminalError(
        f"a files source reads its 'table' (a path or glob), with at most simple comparisons "
        f"as a filter; {what} is not supported here: use a transformation for SQL "
        f"(query: {query})",
        error_type="UNSUPPORTED_QUERY",
    )


def parse_query(query: str) -> tuple[str, list[exp.Expr]]:
    """The path a files query reads, and the WHERE conditions around it."""
    try:
        node: exp.Expr = sqlglot.parse_one(query, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise _unsupported(query, "this SQL") from exc
    conditions: list[exp.Expr] = []
    while True:
        if isinstance(node, exp.Subquery):
            node = node.this
            continue
        if not isinstance(node, exp.Select):
            raise _unsupported(query, f"a {type(node).__name__}")
        if not all(isinstance(e, exp.Star) for e in node.expressions):
            raise _unsupported(query, "selecting columns")
        for key in ("joins", "group", "having", "order", "limit", "offset", "with", "distinct"):
            if node.args.get(key):
                raise _unsupported(query, key.upper())
        if node.args.get("where") is not None:
            conditions.append(node.args["where"].this)
        source = node.args.get("from") or node.args.get("from_")
        if source is None:
            raise _unsupported(query, "a SELECT without FROM")
        inner = source.this
        if isinstance(inner, exp.Table):
            return ".".join(part.name for part in inner.parts), conditions
        node = inner


def _value(node: exp.Expr) -> Any:
    if isinstance(node, exp.Paren):
        return _value(node.this)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Neg):
        return -_value(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        try:
            return int(text)
        except ValueError:
            return Decimal(text)
    if isinstance(node, exp.Cast):
        inner = _value(node.this)
        kind = node.to.this
        if isinstance(inner, str):
            if kind == exp.DataType.Type.DATE:
                return date.fromisoformat(inner)
            if kind in exp.DataType.TEMPORAL_TYPES:
                return datetime.fromisoformat(inner)
        return inner
    raise ValueError(f"not a literal: {node.sql()}")


def _scalar(value: Any, data_type: pa.DataType) -> Any:
    """A literal as a scalar of the column's type, so Arrow compares like with like."""
    if pa.types.is_timestamp(data_type) and isinstance(value, datetime):
        if data_type.tz is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        elif data_type.tz is None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
    elif pa.types.is_timestamp(data_type) and isinstance(value, date):
        value = datetime(value.year, value.month, value.day)
    elif pa.types.is_date(data_type) and isinstance(value, datetime):
        value = value.date()
    elif pa.types.is_floating(data_type) and isinstance(value, int | Decimal):
        value = float(value)
    elif pa.types.is_decimal(data_type) and isinstance(value, int | float):
        value = Decimal(str(value))
    elif pa.types.is_integer(data_type) and isinstance(value, Decimal):
        if value != value.to_integral_value():
            return pa.scalar(float(value))  # compared as a float: exact enough for a bound
        value = int(value)
    try:
        return pa.scalar(value, type=data_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.scalar(value)


def to_filter(node: exp.Expr, schema: pa.Schema, query: str) -> pc.Expression:
    import pyarrow.compute as pc

    if isinstance(node, exp.Paren):
        return to_filter(node.this, schema, query)
    if isinstance(node, exp.And):
        return to_filter(node.left, schema, query) & to_filter(node.right, schema, query)
    if isinstance(node, exp.Or):
        return to_filter(node.left, schema, query) | to_filter(node.right, schema, query)
    if isinstance(node, exp.Not):
        return ~to_filter(node.this, schema, query)
    if isinstance(node, exp.Boolean):
        return pc.scalar(bool(node.this))
    if (
        isinstance(node, exp.Is)
        and isinstance(node.this, exp.Column)
        and isinstance(node.expression, exp.Null)
    ):
        return pc.field(_column(node.this, schema, query)).is_null()
    compare = _COMPARISONS.get(type(node))
    if compare is not None and isinstance(node, exp.Binary):  # every comparison is a Binary
        left, right = node.left, node.right
        if not isinstance(left, exp.Column) and isinstance(right, exp.Column):
            left, right, compare = right, left, _FLIPPED[compare]
        if isinstance(left, exp.Column) and not isinstance(right, exp.Column):
            name = _column(left, schema, query)
            try:
                value = _value(right)
            except ValueError as exc:
                raise _unsupported(query, f"the condition {node.sql()}") from exc
            return compare(pc.field(name), _scalar(value, schema.field(name).type))
    raise _unsupported(query, f"the condition {node.sql()}")


def _column(node: exp.Column, schema: pa.Schema, query: str) -> str:
    if node.name not in schema.names:
        raise TerminalError(
            f"column {node.name!r} is not among the file's columns ({', '.join(schema.names)})",
            error_type="COLUMN_NOT_FOUND",
        )
    return node.name


def _filter(conditions: list[exp.Expr], schema: pa.Schema, query: str) -> Any:
    result = None
    for condition in conditions:
        expression = to_filter(condition, schema, query)
        result = expression if result is None else result & expression
    return result


def _schema(data: ds.Dataset) -> pa.Schema:
    return data.schema.remove_metadata()


# ---- the connector's work -----------------------------------------------------------------


async def test_connection(config: FilesConfig) -> ConnectionTestResult:
    started = time.perf_counter()

    def probe() -> ConnectionTestResult:
        from pyarrow.fs import FileType

        fs, base = config.filesystem()
        if not config.s3 and fs.get_file_info(base).type != FileType.Directory:
            raise TerminalError(
                f"directory {config.root!r} does not exist", error_type="DATABASE_NOT_FOUND"
            )
        files = [p for p in _list(fs, base) if format_of(config, p) is not None]
        return ConnectionTestResult(
            connected=True,
            latency_ms=elapsed_ms(started),
            version=config.version,
            schemas=[config.root],
            tables=len(files),
        )

    try:
        return await _run(config, probe)
    except Exception as exc:
        error = config.scrub(str(config.classify(exc)))
        return ConnectionTestResult.failed(started, error, version=config.version)


def groups(config: FilesConfig, names: list[str]) -> list[str]:
    """Files of one directory and extension as one glob; a lone file as itself."""
    by_key: dict[tuple[str, str], list[str]] = {}
    for name in names:
        parent = name.rpartition("/")[0]
        by_key.setdefault((parent, PurePosixPath(name).suffix.lower()), []).append(name)
    out = []
    for (parent, suffix), members in sorted(by_key.items()):
        if len(members) == 1:
            out.append(members[0])
        else:
            out.append(f"{parent}/*{suffix}" if parent else f"*{suffix}")
    return out


async def introspect(config: FilesConfig) -> list[TableInfo]:
    def work() -> list[TableInfo]:
        fs, base = config.filesystem()
        names = [p for p in _list(fs, base) if format_of(config, p) is not None]
        tables = []
        for pattern in groups(config, names)[:MAX_GROUPS]:
            schema = _schema(dataset(config, pattern))
            columns = [ColumnInfo(f.name, str(f.type), f.nullable) for f in schema]
            tables.append(TableInfo(config.root, pattern, columns))
        return tables

    return await _run(config, work)


async def table_exists(config: FilesConfig, schema: str | None, name: str) -> bool:
    pattern = name if schema is None else f"{schema}.{name}"
    return await _run(config, lambda: bool(matching(config, pattern)[1]))


def _open(
    config: FilesConfig, query: str, schema: pa.Schema | None = None
) -> tuple[ds.Dataset, pa.Schema, Any]:
    path, conditions = parse_query(query)
    data = dataset(config, path, schema)
    schema = _schema(data)
    return data, schema, _filter(conditions, schema, query)


async def describe(config: FilesConfig, query: str) -> pa.Schema:
    def work() -> pa.Schema:
        _, schema, _ = _open(config, query)
        return schema

    return await _run(config, work)


async def min_max(config: FilesConfig, query: str, column: str) -> tuple[Any, Any]:
    import pyarrow.compute as pc

    def work() -> tuple[Any, Any]:
        data, _, where = _open(config, query)
        lo = hi = None
        for batch in data.to_batches(columns=[column], filter=where, fragment_readahead=1):
            if batch.num_rows == 0:
                continue
            found = pc.min_max(batch.column(0))
            b_lo, b_hi = found["min"].as_py(), found["max"].as_py()
            if b_lo is not None:
                lo = b_lo if lo is None else min(lo, b_lo)
                hi = b_hi if hi is None else max(hi, b_hi)
        return lo, hi

    return await _run(config, work)


def read(
    config: FilesConfig, query: str, schema: pa.Schema, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    try:
        data, _, where = _open(config, query, schema)
        scanner = data.scanner(
            columns=schema.names,
            filter=where,
            batch_size=batch_rows,
            batch_readahead=2,
            fragment_readahead=1,
        )
        for batch in scanner.to_batches():
            if batch.num_rows:
                yield conform(batch, schema)
    except Exception as exc:
        raise config.classify(exc) from exc
