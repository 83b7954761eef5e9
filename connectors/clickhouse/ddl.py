"""ClickHouse SQL for a target table (pure: no I/O): types from Arrow, CREATE TABLE with the
sink's ``engine``, ``order_by`` and ``partition_by`` options (AI-ETL pipelines API), and the INSERT
that
carries a deterministic ``insert_deduplication_token``.

Key columns (``order_by``, merge ``keys``) are not Nullable (ClickHouse refuses NULLs in a
sorting key); every other column is. Tables made here set
``non_replicated_deduplication_window``, so a retried insert with the same token is dropped by
a single server too (Replicated engines deduplicate by default).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from connectors.base import TerminalError

DEDUPLICATION_WINDOW = 1000  # inserted blocks remembered per table
VERSION_COLUMN = "_dw_version"  # ReplacingMergeTree's version: the load's time, in microseconds
_ENGINE = re.compile(
    r"^(Replicated)?(Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)?MergeTree$"
)
_FIXED: list[tuple[Callable[[pa.DataType], bool], str]] = [
    (pa.types.is_boolean, "Bool"),
    (pa.types.is_int8, "Int8"),
    (pa.types.is_int16, "Int16"),
    (pa.types.is_int32, "Int32"),
    (pa.types.is_int64, "Int64"),
    (pa.types.is_uint8, "UInt8"),
    (pa.types.is_uint16, "UInt16"),
    (pa.types.is_uint32, "UInt32"),
    (pa.types.is_uint64, "UInt64"),
    (pa.types.is_float16, "Float32"),
    (pa.types.is_float32, "Float32"),
    (pa.types.is_float64, "Float64"),
    (pa.types.is_string, "String"),
    (pa.types.is_large_string, "String"),
    (pa.types.is_string_view, "String"),
    (pa.types.is_binary_view, "String"),
    (pa.types.is_fixed_size_binary, "String"),
    (pa.types.is_binary, "String"),
    (pa.types.is_large_binary, "String"),
    (pa.types.is_date, "Date32"),
    (pa.types.is_time, "String"),  # ClickHouse's Time types are new: the time's text
    (pa.types.is_interval, "String"),
    (pa.types.is_duration, "Int64"),  # microseconds
    (pa.types.is_null, "String"),
]


def quote_ident(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def quote_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def clickhouse_type(data_type: pa.DataType) -> str:
    """The ClickHouse type of an Arrow type (not Nullable: see ``column_type``)."""
    if pa.types.is_dictionary(data_type):
        return clickhouse_type(data_type.value_type)
    for test, name in _FIXED:
        if test(data_type):
            return name
    if pa.types.is_decimal(data_type):
        if data_type.precision > 76:
            raise TerminalError(
                f"{data_type} is wider than Decimal(76)", error_type="UNSUPPORTED_TYPE"
            )
        return f"Decimal({data_type.precision}, {data_type.scale})"
    if pa.types.is_timestamp(data_type):
        return "DateTime64(6, 'UTC')" if data_type.tz is not None else "DateTime64(6)"
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return f"Array({column_type(data_type.value_type, key=False)})"
    raise TerminalError(f"{data_type} has no ClickHouse type here", error_type="UNSUPPORTED_TYPE")


def column_type(data_type: pa.DataType, *, key: bool) -> str:
    base = clickhouse_type(data_type)
    if key or base.startswith("Array("):
        return base
    return f"Nullable({base})"


@dataclass(frozen=True)
class TableSpec:
    """A sink's ClickHouse table: where, how it is stored, which columns are keys."""

    database: str
    table: str
    engine: str = "MergeTree"
    order_by: list[str] = field(default_factory=list)
    partition_by: str | None = None
    keys: list[str] = field(default_factory=list)  # merge: ReplacingMergeTree on these

    @classmethod
    def of(cls, database: str, table: str, mode: str, keys: list[str], options: dict[str, Any]):
        unknown = sorted(set(options) - {"engine", "order_by", "partition_by"})
        if unknown:
            raise TerminalError(
                f"unknown ClickHouse option(s) {unknown}: use engine, order_by, partition_by",
                error_type="INVALID_TARGET",
            )
        order_by = options.get("order_by") or list(keys)
        if isinstance(order_by, str):
            order_by = [order_by]
        engine = str(
            options.get("engine") or ("ReplacingMergeTree" if mode == "merge" else "MergeTree")
        )
        engine = engine.removesuffix("()")
        if not _ENGINE.match(engine):
            raise TerminalError(
                f"engine {engine!r} is not of the MergeTree family (e.g. MergeTree, "
                "ReplacingMergeTree, ReplicatedMergeTree)",
                error_type="INVALID_TARGET",
            )
        if mode == "merge":
            if "Replacing" not in engine:
                raise TerminalError(
                    f"merge into ClickHouse needs a ReplacingMergeTree engine, not {engine}",
                    error_type="INVALID_TARGET",
                )
            if sorted(order_by) != sorted(keys):
                raise TerminalError(
                    f"merge into ClickHouse replaces rows with equal order_by: order_by "
                    f"{order_by} must be the keys {keys}",
                    error_type="INVALID_TARGET",
                )
        partition = options.get("partition_by")
        if partition:
            partition_tree(str(partition))
        return cls(
            database, table, engine, list(order_by), partition and str(partition), list(keys)
        )

    @property
    def sql(self) -> str:
        return f"{quote_ident(self.database)}.{quote_ident(self.table)}"

    def renamed(self, table: str) -> TableSpec:
        return TableSpec(
            self.database, table, self.engine, self.order_by, self.partition_by, self.keys
        )


def columns_of(schema: pa.Schema, spec: TableSpec) -> list[tuple[str, str]]:
    """(name, ClickHouse type) of each column the data has, plus the merge version column."""
    keys = set(spec.order_by) | set(spec.keys)
    missing = sorted(keys - set(schema.names))
    if missing:
        raise TerminalError(
            f"order_by/key column(s) {missing} are not in the data ({', '.join(schema.names)})",
            error_type="SCHEMA_MISMATCH",
        )
    columns = []
    for f in schema:
        try:
            columns.append((f.name, column_type(f.type, key=f.name in keys)))
        except TerminalError as exc:
            raise TerminalError(
                f"column {f.name!r}: {exc.message}", error_type=exc.error_type
            ) from None
    if "Replacing" in spec.engine:
        columns.append((VERSION_COLUMN, "UInt64"))
    return columns


def create_table_sql(spec: TableSpec, schema: pa.Schema) -> str:
    columns = ",\n  ".join(f"{quote_ident(n)} {t}" for n, t in columns_of(schema, spec))
    engine = (
        f"{spec.engine}({quote_ident(VERSION_COLUMN)})"
        if "Replacing" in spec.engine
        else f"{spec.engine}()"
    )
    order = ", ".join(quote_ident(c) for c in spec.order_by)
    lines = [f"CREATE TABLE IF NOT EXISTS {spec.sql} (\n  {columns}\n) ENGINE = {engine}"]
    if spec.partition_by:
        lines.append(f"PARTITION BY {partition_expression(spec.partition_by, schema)}")
    lines.append(f"ORDER BY ({order})")
    lines.append(f"SETTINGS non_replicated_deduplication_window = {DEDUPLICATION_WINDOW}")
    return "\n".join(lines)


def partition_expression(partition_by: str, schema: pa.Schema) -> str:
    """A column name (a date or time column: by month, as the AI-ETL pipelines API's ``toYYYYMM``),
    or an expression over the columns, written out again from its tokens (its comments, where
    a parser that reads them otherwise could hide text, are dropped)."""
    if partition_by in schema.names:
        data_type = schema.field(partition_by).type
        column = quote_ident(partition_by)
        if pa.types.is_date(data_type) or pa.types.is_timestamp(data_type):
            return f"toYYYYMM({column})"
        return column
    if partition_tree(partition_by) is None:
        raise TerminalError(
            f"partition_by {partition_by!r} is neither a column of the data nor a ClickHouse "
            "expression",
            error_type="INVALID_TARGET",
        )
    tokens = sqlglot.tokenize(partition_by, read="clickhouse")
    text = partition_by[tokens[0].start : tokens[0].end + 1]
    for before, token in pairwise(tokens):
        gap = partition_by[before.end + 1 : token.start]
        text += (gap if not gap.strip() else " ") + partition_by[token.start : token.end + 1]
    return text


def partition_tree(partition_by: str) -> exp.Expr | None:
    """``partition_by`` as one ClickHouse expression over the table's columns; None: it does
    not parse as one (it can then only name a column). An expression that holds a query, a
    table or a second statement is refused: a partition key reads the row it partitions."""
    try:
        tree = sqlglot.parse_one(partition_by, read="clickhouse")
    except sqlglot.errors.SqlglotError:
        return None
    if tree.find(exp.Query, exp.Subquery, exp.Table, exp.Command, exp.Block):
        raise TerminalError(
            f"partition_by {partition_by!r} must be a column or an expression over the "
            "table's columns, not a query or a statement",
            error_type="INVALID_TARGET",
        )
    if not isinstance(tree, exp.Condition | exp.Tuple):  # e.g. `order date`, read as an alias
        return None
    return tree


def insert_sql(spec: TableSpec, names: list[str], token: str) -> str:
    """The INSERT of one block; ``token`` makes a retried block a no-op."""
    columns = ", ".join(quote_ident(n) for n in names)
    return (
        f"INSERT INTO {spec.sql} ({columns}) "
        f"SETTINGS insert_deduplication_token = {quote_literal(token)}"
    )
