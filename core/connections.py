"""Turn a stored connection into a connector config, secrets decrypted only here."""

from __future__ import annotations

from typing import Any

from connectors.base import ConnectionSettings, Connector, TerminalError
from connectors.postgres import PostgresConfig
from connectors.registry import canonical_type, connector_for
from core.secrets import Cipher, resolve_secret_ref
from store.models import Connection


def connection_settings(row: Connection, cipher: Cipher) -> ConnectionSettings:
    password = None
    if row.password_encrypted:
        password = cipher.decrypt(row.password_encrypted)
    elif row.credential_secret_ref:
        password = resolve_secret_ref(row.credential_secret_ref)
    return ConnectionSettings(
        host=row.host or None,
        port=row.port or None,
        database=row.database,
        user=row.username,
        password=password,
        properties=row.properties,
    )


def connector_config(row: Connection, cipher: Cipher) -> tuple[Connector, Any]:
    """The connector of the connection's type, and its config."""
    connector = connector_for(row.type)
    return connector, connector.config(connection_settings(row, cipher))


def postgres_config(row: Connection, cipher: Cipher) -> PostgresConfig:
    """The config of a PostgreSQL connection: a target, or a source read by COPY."""
    if canonical_type(row.type) != "postgresql":
        raise TerminalError(
            f"connection {row.name!r} is a {row.type} connection, not PostgreSQL",
            error_type="UNSUPPORTED_TARGET",
        )
    settings = connection_settings(row, cipher)
    return PostgresConfig.from_properties(
        host=settings.host or "",
        port=settings.port or 5432,
        database=settings.database,
        user=settings.user,
        password=settings.password,
        properties=settings.properties,
    )
