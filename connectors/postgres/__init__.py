"""PostgreSQL connector: asyncpg connections, introspection and streaming binary COPY."""

from connectors.postgres.client import connect, relation_exists, test_connection
from connectors.postgres.config import PostgresConfig
from connectors.postgres.errors import classify

__all__ = ["PostgresConfig", "classify", "connect", "relation_exists", "test_connection"]
