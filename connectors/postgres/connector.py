"""PostgreSQL as the registry sees it: config, connection test, introspection.

Its rows move by the binary COPY stream of ``copy.py``, not through Arrow.
"""

from __future__ import annotations

from connectors.base import ConnectionSettings, ConnectionTestResult, TableInfo, group_columns
from connectors.postgres.client import connect, relation_exists, test_connection
from connectors.postgres.config import PostgresConfig
from connectors.postgres.sql import Relation

_COLUMNS = """
SELECT n.nspname AS schema, c.relname AS table, a.attname AS column,
       format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
ORDER BY 1, 2, a.attnum
"""


class PostgresConnector:
    type = "postgresql"
    dialect = "postgres"
    network = True
    default_port = 5432
    default_schema: str | None = "public"

    def config(self, settings: ConnectionSettings) -> PostgresConfig:
        return PostgresConfig.from_properties(
            host=settings.host or "",
            port=settings.port or self.default_port,
            database=settings.database,
            user=settings.user,
            password=settings.password,
            properties=settings.properties,
        )

    async def test_connection(self, config: PostgresConfig) -> ConnectionTestResult:
        return await test_connection(config)

    async def introspect(self, config: PostgresConfig) -> list[TableInfo]:
        conn = await connect(config)
        try:
            rows = await conn.fetch(_COLUMNS)
        finally:
            await conn.close()
        return group_columns(
            (r["schema"], r["table"], r["column"], r["type"], r["nullable"]) for r in rows
        )

    async def table_exists(self, config: PostgresConfig, schema: str | None, name: str) -> bool:
        conn = await connect(config)
        try:
            return await relation_exists(conn, Relation(schema or "public", name).sql)
        finally:
            await conn.close()


CONNECTOR = PostgresConnector()
