"""SQL that a source other than PostgreSQL runs, written through sqlglot in its own dialect.

The pipeline's SQL is PostgreSQL's; a source's query is transpiled to the source's dialect, and
the predicates of incremental and partitioned extracts are built as expressions and rendered
there, with literals in the form that dialect compares correctly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from connectors.base import TerminalError

SUBQUERY_ALIAS = "_src"
# Field metadata: the reader selects this column as text and Arrow parses it (for values the
# driver cannot read exactly, e.g. DECIMAL(65,30) with connectorx, HUGEINT with DuckDB).
READ_AS_TEXT = b"ductwork.read_as_text"


def text_field(name: str, data_type: pa.DataType) -> pa.Field:
    return pa.field(name, data_type, metadata={READ_AS_TEXT: b"1"})


def read_as_text(field: pa.Field) -> bool:
    return bool(field.metadata and field.metadata.get(READ_AS_TEXT))


def reading_query(query: str, schema: pa.Schema, dialect: str) -> str:
    """``query``, with the columns marked ``READ_AS_TEXT`` selected as text."""
    if not any(read_as_text(f) for f in schema):
        return query
    items = []
    for field in schema:
        item: exp.Expr = exp.column(field.name, table=SUBQUERY_ALIAS, quoted=True)
        if read_as_text(field):
            item = exp.cast(item, exp.DataType.build("TEXT")).as_(field.name, quoted=True)
        items.append(item)
    inner = _parse_query(query, dialect).subquery(SUBQUERY_ALIAS)
    return exp.select(*items).from_(inner).sql(dialect=dialect)


def _parse_query(query: str, dialect: str) -> exp.Query:
    """The source's query as a tree that can be wrapped (a SELECT, a UNION ...)."""
    tree = sqlglot.parse_one(query, read=dialect)
    if not isinstance(tree, exp.Query):  # it could not be wrapped as a subquery
        raise TerminalError(
            f"the source query is not a SELECT query (it parses as {tree.key.upper()})",
            error_type="INVALID_SQL",
        )
    return tree


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """A batch as the reader read it, cast to the described schema (exact: a value that does
    not fit stops the extract, naming its column)."""
    arrays = []
    for array, field in zip(batch.columns, schema, strict=True):
        if array.type.equals(field.type):
            arrays.append(array)
            continue
        try:
            arrays.append(array.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise TerminalError(
                f"column {field.name!r}: a value read as {array.type} does not fit "
                f"{field.type}: {exc}",
                error_type="DATA_ERROR",
            ) from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def table_query(schema: str | None, name: str, dialect: str) -> str:
    """``SELECT * FROM schema.name`` with the dialect's quoting (no schema: the default one)."""
    return exp.select("*").from_(exp.table_(name, db=schema, quoted=True)).sql(dialect=dialect)


def transpile(query: str, dialect: str, *, read: str = "postgres") -> str:
    """A query of the pipeline's SQL (PostgreSQL's) in the source's dialect."""
    return sqlglot.transpile(query, read=read, write=dialect)[0]


def column(name: str) -> exp.Column:
    """A column of the wrapped source query (see ``where``)."""
    return exp.column(name, table=SUBQUERY_ALIAS, quoted=True)


def where(query: str, dialect: str, predicate: exp.Expr) -> str:
    """``SELECT * FROM (query) AS _src WHERE predicate`` in the source's dialect."""
    inner = _parse_query(query, dialect)
    wrapped = exp.select("*").from_(inner.subquery(SUBQUERY_ALIAS)).where(predicate)
    return wrapped.sql(dialect=dialect)


def range_predicate(name: str, lower: Any, upper: Any, dialect: str, *, nulls: bool) -> exp.Expr:
    """``lower <= name < upper`` (an open end has no bound); ``nulls`` adds the NULL rows."""
    col = column(name)
    bounds: list[exp.Expr] = []
    if lower is not None:
        bounds.append(col >= literal(lower, dialect))
    if upper is not None:
        bounds.append(col < literal(upper, dialect))
    predicate: exp.Expr = exp.and_(*bounds) if bounds else exp.true()
    if nulls:
        predicate = exp.or_(exp.paren(predicate), col.is_(exp.null()))
    return predicate


def literal(value: Any, dialect: str) -> exp.Expression:
    """A Python value as a literal the dialect compares with its column of that type.

    Datetimes with a time zone are compared in UTC: the MySQL reader sets its session's time
    zone to UTC, DuckDB compares TIMESTAMPTZ as instants, SQLite stores text.
    """
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Literal.number(int(value)) if dialect == "sqlite" else exp.Boolean(this=value)
    if isinstance(value, int | Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, float):
        return exp.Literal.number(repr(value))
    if isinstance(value, datetime):
        return _datetime(value, dialect)
    if isinstance(value, date):
        return _typed(value.isoformat(), "DATE", dialect)
    return exp.Literal.string(str(value))


def bound_value(text: str | None, data_type: pa.DataType) -> Any:
    """A range boundary (as ``domain.splits`` writes it) as a value of the column's Arrow type.
    A naive boundary of a column with a time zone is UTC, as the readers' sessions are."""
    if text is None:
        return None
    if pa.types.is_integer(data_type):
        return int(Decimal(text))
    if pa.types.is_floating(data_type) or pa.types.is_decimal(data_type):
        return Decimal(text)
    if pa.types.is_timestamp(data_type):
        parsed = datetime.fromisoformat(text)
        if data_type.tz is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed
    if pa.types.is_date(data_type):
        return date.fromisoformat(text)
    return text


def _datetime(value: datetime, dialect: str) -> exp.Expression:
    aware = value.tzinfo is not None
    if aware and dialect != "duckdb":
        value = value.astimezone(UTC).replace(tzinfo=None)
    if dialect == "sqlite":  # SQLite's own text form: 'YYYY-MM-DD HH:MM:SS[.ffffff]'
        return exp.Literal.string(value.isoformat(sep=" "))
    if dialect == "mysql":
        return _typed(value.isoformat(sep=" ", timespec="microseconds"), "DATETIME(6)", dialect)
    if aware:
        return _typed(value.isoformat(sep=" "), "TIMESTAMPTZ", dialect)
    return _typed(value.isoformat(sep=" "), "TIMESTAMP", dialect)


def _typed(text: str, type_name: str, dialect: str) -> exp.Expression:
    if dialect == "sqlite":  # SQLite has no date types: dates are text in ISO form
        return exp.Literal.string(text)
    return exp.cast(exp.Literal.string(text), exp.DataType.build(type_name, dialect=dialect))
