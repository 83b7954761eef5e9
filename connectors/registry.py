"""The one way in: connection type → connector.

Used by the connection test route, the checks made when a pipeline is saved, the planner (the
source's SQL dialect), the plan activity (range bounds) and the extract activity (COPY stream or
Arrow batches).
"""

from __future__ import annotations

from typing import Any

from connectors.base import ArrowSource, Connector, TerminalError
from connectors.clickhouse import CONNECTOR as CLICKHOUSE
from connectors.duckdb import CONNECTOR as DUCKDB
from connectors.files import CONNECTOR as FILES
from connectors.http import CONNECTOR as HTTP
from connectors.kafka import CONNECTOR as KAFKA
from connectors.mysql import CONNECTOR as MYSQL
from connectors.postgres.connector import CONNECTOR as POSTGRES
from connectors.sqlite import CONNECTOR as SQLITE

# Canonical types, and the names clients may use for them.
ALIASES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pg": "postgresql",
    "jdbc": "postgresql",  # the pipeline service API's example: a JDBC connection on port 5432
    "mysql": "mysql",
    "mariadb": "mariadb",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "duckdb": "duckdb",
    "files": "files",
    "file": "files",
    "http": "http",
    "https": "http",
    "rest": "http",
    "clickhouse": "clickhouse",
    "ch": "clickhouse",
    "kafka": "kafka",
}

_CONNECTORS: dict[str, Connector] = {
    "postgresql": POSTGRES,
    "mysql": MYSQL,
    "mariadb": MYSQL,  # one protocol, one connector
    "sqlite": SQLITE,
    "duckdb": DUCKDB,
    "files": FILES,
    "http": HTTP,
    "clickhouse": CLICKHOUSE,
    "kafka": KAFKA,
}

# Where data can be loaded; every connector but ClickHouse can be a source.
TARGET_TYPES = frozenset({"postgresql", "duckdb", "files", "clickhouse", "kafka"})


def canonical_type(name: str) -> str | None:
    return ALIASES.get(name.strip().lower())


def connector_for(connection_type: str) -> Connector:
    canonical = canonical_type(connection_type)
    if canonical is None:
        raise TerminalError(
            f"connection type {connection_type!r} is not supported "
            f"(supported: {', '.join(sorted(_CONNECTORS))})",
            error_type="UNSUPPORTED_CONNECTION_TYPE",
        )
    return _CONNECTORS[canonical]


def arrow_source(connection_type: str) -> ArrowSource | None:
    """The connector read as Arrow batches; None for PostgreSQL (its COPY stream)."""
    connector = connector_for(connection_type)
    return None if connector is POSTGRES else connector  # type: ignore[return-value]


def arrow_reader(connection_type: str) -> ArrowSource:
    """The connector read as Arrow batches; PostgreSQL too (ADBC), for sinks staged in DuckDB."""
    from connectors.postgres.arrow_read import READER

    return arrow_source(connection_type) or READER  # type: ignore[return-value]


def is_stream(connection_type: str) -> bool:
    """A source read from a position kept by its target (Kafka), not by a query."""
    return bool(getattr(connector_for(connection_type), "stream", False))


def is_source(connection_type: str) -> bool:
    return bool(getattr(connector_for(connection_type), "source", True))


def is_target(connection_type: str) -> bool:
    return canonical_type(connection_type) in TARGET_TYPES


def target_problem(
    connection_type: str,
    mode: str,
    keys: list[str],
    deduplicate: bool,
    options: dict[str, Any],
) -> tuple[str, str] | None:
    """Why a sink of this type cannot load this way (the sink's field at fault, the reason);
    None: it can."""
    canonical = canonical_type(connection_type)
    if canonical not in TARGET_TYPES:
        targets = ", ".join(sorted(TARGET_TYPES))
        return "connection", f"can be a source but not a sink; sinks load into {targets}"
    if canonical == "kafka":
        from connectors.kafka.target import SINK_OPTIONS

        unknown = sorted(set(options) - set(SINK_OPTIONS))
        if unknown:
            return "options", f"a Kafka sink takes only {', '.join(SINK_OPTIONS)}, not {unknown}"
        if mode != "append" or deduplicate:
            return "mode", "a Kafka topic is appended to: use mode 'append' without deduplicate"
        return None
    if options and canonical != "clickhouse":
        return "options", (
            "only ClickHouse (engine, order_by, partition_by) and Kafka (topic, key) sinks "
            "take options"
        )
    if canonical == "clickhouse":
        from connectors.clickhouse.ddl import TableSpec

        try:
            TableSpec.of("database", "table", mode, keys, options)
        except TerminalError as exc:
            return "options", exc.message
    if canonical == "files":
        if mode == "merge":
            return "mode", (
                "files cannot be merged into: use 'append' (a new part file per run) or 'replace'"
            )
        if deduplicate:
            return "deduplicate", "files cannot be deduplicated against: load into a database"
    if canonical == "clickhouse" and deduplicate:
        return "deduplicate", (
            "ClickHouse deduplicates by merging: use mode 'merge' (ReplacingMergeTree on the keys)"
        )
    return None


def source_schema(connector: Connector, schema: str) -> str | None:
    """The schema a source table is qualified with; None: the system's default. Outside
    PostgreSQL, ``public`` (what a definition makes of an unqualified name) is the default."""
    if connector is POSTGRES:
        return schema
    return None if schema in ("public", connector.default_schema) else schema


def catalog() -> list[dict[str, object]]:
    """Every connection type: what it connects to, what it can be, what it needs."""
    entries = []
    for type_, connector in _CONNECTORS.items():
        needs = getattr(connector, "options", None) or (
            ["host", "port", "database", "username", "password"]
            if connector.network
            else ["database (the path of the database file)"]
        )
        entries.append(
            {
                "type": type_,
                "aliases": sorted(a for a, c in ALIASES.items() if c == type_ and a != type_),
                "source": is_source(type_),
                "target": type_ in TARGET_TYPES,
                "network": connector.network,
                "default_port": connector.default_port,
                "sql_dialect": connector.dialect,
                "options": needs,
            }
        )
    return entries
