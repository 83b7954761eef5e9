"""Connect to PostgreSQL, test a connection, look up relations."""

from __future__ import annotations

import time
from typing import Literal

import asyncpg

from connectors.base import ConnectionTestResult, TerminalError, elapsed_ms
from connectors.postgres.config import PostgresConfig
from connectors.postgres.errors import classify

SslMode = Literal["allow", "prefer", "require", "verify-ca", "verify-full"]
_SSL_MODES: tuple[SslMode, ...] = ("allow", "prefer", "require", "verify-ca", "verify-full")


def _ssl(config: PostgresConfig) -> SslMode | Literal[False]:
    """The connection's sslMode as asyncpg takes it (False: no TLS)."""
    if config.ssl_mode in (None, "disable"):
        return False
    for mode in _SSL_MODES:
        if config.ssl_mode == mode:
            return mode
    # asyncpg would refuse it with an InterfaceError, which reads as an unreachable server.
    raise TerminalError(
        f"sslMode {config.ssl_mode!r} is not one of disable, {', '.join(_SSL_MODES)}",
        error_type="INVALID_CONNECTION",
    )


async def connect(config: PostgresConfig) -> asyncpg.Connection:
    """Open a connection; failures come out classified (Terminal or Transient)."""
    try:
        return await asyncpg.connect(
            host=config.host,
            port=config.port,
            database=config.database,
            user=config.user,
            password=config.password,
            ssl=_ssl(config),
            timeout=config.connect_timeout_s,
            server_settings={"application_name": "ductwork"},
        )
    except Exception as exc:
        raise classify(exc) from exc


async def test_connection(config: PostgresConfig) -> ConnectionTestResult:
    started = time.perf_counter()
    try:
        conn = await connect(config)
    except Exception as exc:
        return ConnectionTestResult.failed(started, str(classify(exc)))
    try:
        version = await conn.fetchval("SELECT version()")
        latency = elapsed_ms(started)
        schemas = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
            "AND nspname NOT IN ('information_schema') ORDER BY nspname"
        )
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
    finally:
        await conn.close()
    return ConnectionTestResult(
        connected=True,
        latency_ms=latency,
        version=_short_version(version),
        schemas=[row["nspname"] for row in schemas],
        tables=int(tables),
    )


async def relation_exists(conn: asyncpg.Connection, qualified_name: str) -> bool:
    return await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", qualified_name)


async def require_relation(conn: asyncpg.Connection, qualified_name: str) -> None:
    if not await relation_exists(conn, qualified_name):
        raise TerminalError(
            f"table {qualified_name!r} does not exist", error_type="TABLE_NOT_FOUND"
        )


def _short_version(version: str) -> str:
    # "PostgreSQL 15.19 (Debian ...) on x86_64..." -> "PostgreSQL 15.19"
    return " ".join(version.split()[:2])
