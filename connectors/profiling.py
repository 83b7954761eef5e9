"""Profile and preview a table with real SQL on its database (PostgreSQL, MySQL/MariaDB).

Everything runs in a read-only transaction; table and column names are quoted identifiers,
never pasted text. Column facts (type, nullable, unique, indexed) come from the catalog; null,
distinct and duplicate figures from a sample of ``sample_size`` rows (the table's first rows);
the row count is exact below ``EXACT_COUNT_BELOW`` estimated rows, the catalog's estimate above.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

from connectors.base import TerminalError
from connectors.mysql import MySQLConfig
from connectors.mysql import client as mysql
from connectors.mysql.errors import classify as my_classify
from connectors.postgres import PostgresConfig
from connectors.postgres.client import connect as pg_connect
from connectors.postgres.errors import classify as pg_classify
from connectors.postgres.sql import Relation, quote_ident

EXACT_COUNT_BELOW = 1_000_000
LARGE_TABLE_ROWS = 1_000_000
DATE_TYPES = ("date", "timestamp", "datetime")
PROFILED_TYPES = ("postgresql", "mysql", "mariadb")


@dataclass
class ColumnProfile:
    name: str
    type: str
    nullable: bool
    unique: bool
    indexed: bool = False
    null_percentage: float = 0.0
    distinct_count: int = 0


@dataclass
class TableProfile:
    table: str
    row_count: int
    row_count_exact: bool
    size_mb: float
    sample_rows: int
    columns: list[ColumnProfile] = field(default_factory=list)
    null_percentage: float = 0.0
    duplicate_percentage: float = 0.0
    recommendations: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row_count": self.row_count,
            "row_count_exact": self.row_count_exact,
            "columns": [asdict(c) for c in self.columns],
            "statistics": {
                "null_percentage": self.null_percentage,
                "duplicate_percentage": self.duplicate_percentage,
                "size_mb": self.size_mb,
                "sample_rows": self.sample_rows,
            },
            "recommendations": self.recommendations,
        }


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _missing(table: str) -> TerminalError:
    return TerminalError(f"table {table!r} does not exist", error_type="TABLE_NOT_FOUND")


# --- PostgreSQL ------------------------------------------------------------------------------

_PG_COLUMNS = """
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique
               AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum) AS unique,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid
               AND i.indkey[0] = a.attnum) AS indexed
FROM pg_attribute a
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""


async def _pg_profile(config: PostgresConfig, table: str, sample: int) -> TableProfile:
    relation = Relation.parse(table)
    conn = await pg_connect(config)
    try:
        async with conn.transaction(readonly=True):
            if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", relation.sql):
                raise _missing(str(relation))
            columns = await conn.fetch(_PG_COLUMNS, relation.sql)
            found = await conn.fetchrow(
                "SELECT reltuples::bigint, pg_total_relation_size(oid) FROM pg_class "
                "WHERE oid = to_regclass($1)",
                relation.sql,
            )
            if found is None:  # dropped since the check above
                raise _missing(str(relation))
            estimate, size = found
            exact = estimate < EXACT_COUNT_BELOW
            rows = (
                await conn.fetchval(f"SELECT count(*) FROM {relation.sql}") if exact else estimate
            )
            counts = ", ".join(
                f"count({quote_ident(c['name'])}), count(DISTINCT {quote_ident(c['name'])}::text)"
                for c in columns
            )
            stats = await conn.fetchrow(
                f"SELECT count(*), count(DISTINCT md5(s::text)) {', ' if counts else ''}{counts} "
                f"FROM (SELECT * FROM {relation.sql} LIMIT $1) s",
                sample,
            )
            if stats is None:  # an aggregate without GROUP BY returns one row, always
                raise TerminalError(
                    f"profiling {relation} returned no statistics", error_type="DATABASE_ERROR"
                )
    except TerminalError:
        raise
    except Exception as exc:
        raise pg_classify(exc) from exc
    finally:
        await conn.close()
    described = [(c["name"], c["type"], c["nullable"], c["unique"], c["indexed"]) for c in columns]
    return _assemble(str(relation), described, int(rows), exact, size, list(stats))


async def _pg_preview(config: PostgresConfig, table: str, limit: int) -> tuple[list, list]:
    relation = Relation.parse(table)
    conn = await pg_connect(config)
    try:
        async with conn.transaction(readonly=True):
            if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", relation.sql):
                raise _missing(str(relation))
            columns = await conn.fetch(_PG_COLUMNS, relation.sql)
            records = await conn.fetch(f"SELECT * FROM {relation.sql} LIMIT $1", limit)
    except TerminalError:
        raise
    except Exception as exc:
        raise pg_classify(exc) from exc
    finally:
        await conn.close()
    names = [(c["name"], c["type"]) for c in columns]
    return names, [tuple(r.values()) for r in records]


# --- MySQL / MariaDB -------------------------------------------------------------------------


def _my_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _my_relation(config: MySQLConfig, table: str) -> tuple[str, str]:
    relation = Relation.parse(table, default_schema=config.database)
    return relation.schema, relation.name


async def _my_columns(cursor: Any, schema: str, name: str) -> list[tuple]:
    await cursor.execute(
        "SELECT column_name, column_type, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, name),
    )
    columns = list(await cursor.fetchall())
    if not columns:
        raise _missing(f"{schema}.{name}")
    await cursor.execute(
        "SELECT index_name, non_unique, seq_in_index, column_name "
        "FROM information_schema.statistics WHERE table_schema = %s AND table_name = %s",
        (schema, name),
    )
    indexes: dict[str, tuple[int, list[tuple[int, str]]]] = {}  # name: (non_unique, columns)
    for index, non_unique, seq, column in await cursor.fetchall():
        entry = indexes.setdefault(index, (int(non_unique), []))
        entry[1].append((int(seq), column))
    unique = {cols[0][1] for nu, cols in indexes.values() if nu == 0 and len(cols) == 1}
    indexed = {c for _, cols in indexes.values() for seq, c in cols if seq == 1}
    return [(n, t, bool(nl), n in unique, n in indexed) for n, t, nl in columns]


@contextlib.asynccontextmanager
async def _my_read_only(config: MySQLConfig) -> AsyncIterator[Any]:
    """A cursor in a read-only transaction; driver errors leave classified, the connection is
    closed whatever happens."""
    conn = await mysql.connect(config)
    try:
        async with conn.cursor() as cursor:
            await cursor.execute("START TRANSACTION READ ONLY")
            yield cursor
            await cursor.execute("COMMIT")
    except TerminalError:
        raise
    except Exception as exc:
        raise my_classify(exc) from exc
    finally:
        conn.close()


async def _my_profile(config: MySQLConfig, table: str, sample: int) -> TableProfile:
    schema, name = _my_relation(config, table)
    qualified = f"{_my_ident(schema)}.{_my_ident(name)}"
    async with _my_read_only(config) as cursor:
        described = await _my_columns(cursor, schema, name)
        await cursor.execute(
            "SELECT COALESCE(table_rows, 0), COALESCE(data_length + index_length, 0) "
            "FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (schema, name),
        )
        estimate, size = await cursor.fetchone()
        exact = int(estimate) < EXACT_COUNT_BELOW
        rows = int(estimate)
        if exact:
            await cursor.execute(f"SELECT COUNT(*) FROM {qualified}")
            (rows,) = await cursor.fetchone()
        quoted = [_my_ident(c[0]) for c in described]
        row_key = (
            "MD5(CONCAT_WS('|', "
            + ", ".join(f"COALESCE(CAST({q} AS CHAR), '\\\\N')" for q in quoted)
            + "))"
        )
        counts = ", ".join(f"COUNT({q}), COUNT(DISTINCT {q})" for q in quoted)
        await cursor.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT {row_key}), {counts} "
            f"FROM (SELECT * FROM {qualified} LIMIT %s) s",
            (sample,),
        )
        stats = list(await cursor.fetchone())
    return _assemble(f"{schema}.{name}", described, int(rows), exact, int(size), stats)


async def _my_preview(config: MySQLConfig, table: str, limit: int) -> tuple[list, list]:
    schema, name = _my_relation(config, table)
    async with _my_read_only(config) as cursor:
        described = await _my_columns(cursor, schema, name)
        await cursor.execute(
            f"SELECT * FROM {_my_ident(schema)}.{_my_ident(name)} LIMIT %s", (limit,)
        )
        records = list(await cursor.fetchall())
    return [(c[0], c[1]) for c in described], records


# --- shared ----------------------------------------------------------------------------------


def _assemble(
    table: str, described: list[tuple], rows: int, exact: bool, size: int, stats: list
) -> TableProfile:
    sampled, distinct_rows = int(stats[0]), int(stats[1])
    columns: list[ColumnProfile] = []
    nulls = 0
    for i, (name, type_, nullable, unique, indexed) in enumerate(described):
        non_null, distinct = int(stats[2 + 2 * i]), int(stats[3 + 2 * i])
        nulls += sampled - non_null
        columns.append(
            ColumnProfile(
                name=name,
                type=type_,
                nullable=bool(nullable),
                unique=bool(unique) or (sampled > 0 and distinct == sampled),
                indexed=bool(indexed),
                null_percentage=_pct(sampled - non_null, sampled),
                distinct_count=distinct,
            )
        )
    profile = TableProfile(
        table=table,
        row_count=rows,
        row_count_exact=exact,
        size_mb=round(size / 1_048_576, 2),
        sample_rows=sampled,
        columns=columns,
        null_percentage=_pct(nulls, sampled * len(columns)),
        duplicate_percentage=_pct(sampled - distinct_rows, sampled),
    )
    profile.recommendations = recommend(profile)
    return profile


def _dated(column: ColumnProfile) -> bool:
    return any(t in column.type.lower() for t in DATE_TYPES)


def recommend(profile: TableProfile) -> dict[str, Any]:
    """Partitioning, indexes and an incremental cursor, each with its reason."""
    reasons: list[str] = []
    dated = [c for c in profile.columns if _dated(c)]
    preferred = ("created_at", "updated_at", "event_time", "order_date", "sale_date", "day")
    cursor = next((c for p in preferred for c in dated if c.name == p), dated[0] if dated else None)
    large = profile.row_count >= LARGE_TABLE_ROWS
    if cursor and large:
        partitioning = "by_date"
        reasons.append(
            f"{profile.row_count} rows with a date column {cursor.name}: partition by it so "
            "queries and loads touch only recent partitions"
        )
    elif large:
        partitioning = "by_range"
        reasons.append(f"{profile.row_count} rows and no date column: partition by key ranges")
    else:
        partitioning = "none"
        reasons.append(
            f"{profile.row_count} rows: below {LARGE_TABLE_ROWS} rows partitioning costs more "
            "than it saves"
        )
    indexing: list[str] = []
    for c in profile.columns:
        if c.indexed:
            continue
        if c.name.endswith("_id") or c.name in ("email", "username"):
            indexing.append(c.name)
            reasons.append(f"{c.name} looks like a lookup or join key and has no index")
        elif cursor is not None and c is cursor:
            indexing.append(c.name)
            reasons.append(f"{c.name} is the incremental cursor and has no index")
    if not any(c.unique and not c.nullable for c in profile.columns):
        reasons.append("no unique NOT NULL column: merge loads need keys that identify a row")
    if profile.duplicate_percentage > 0:
        reasons.append(
            f"{profile.duplicate_percentage}% of sampled rows are duplicates: "
            "load with deduplicate on keys"
        )
    return {
        "partitioning": partitioning,
        "partition_column": cursor.name if cursor and partitioning == "by_date" else None,
        "indexing": indexing,
        "incremental_cursor": cursor.name if cursor else None,
        "reasons": reasons,
    }


def _supported(connection_type: str) -> None:
    if connection_type not in PROFILED_TYPES:
        raise TerminalError(
            f"profiling and preview read PostgreSQL and MySQL/MariaDB tables, not "
            f"{connection_type}",
            error_type="UNSUPPORTED_CONNECTION_TYPE",
        )


async def profile_table(
    connection_type: str, config: Any, table: str, sample_size: int
) -> TableProfile:
    _supported(connection_type)
    if connection_type == "postgresql":
        return await _pg_profile(config, table, sample_size)
    return await _my_profile(config, table, sample_size)


async def preview_table(
    connection_type: str, config: Any, table: str, limit: int
) -> dict[str, Any]:
    _supported(connection_type)
    if connection_type == "postgresql":
        columns, records = await _pg_preview(config, table, limit)
    else:
        columns, records = await _my_preview(config, table, limit)
    names = [n for n, _ in columns]
    return {
        "columns": [{"name": n, "type": t} for n, t in columns],
        "rows": [dict(zip(names, map(json_value, r), strict=True)) for r in records],
    }


def json_value(value: Any) -> Any:
    """A database value as JSON: decimals as strings (exact), times in ISO 8601, bytes base64."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)
