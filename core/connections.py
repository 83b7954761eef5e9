"""Turn a stored connection into a connector config: secrets decrypted and the confinement
policy applied here, and only here (the API's checks and the worker's steps both come here)."""

from __future__ import annotations

from typing import Any

from connectors.base import (
    ConnectionSettings,
    Connector,
    ConnectorError,
    PolicyDenied,
    TerminalError,
)
from connectors.postgres import PostgresConfig
from connectors.registry import canonical_type, connector_for
from core.confinement import confine_connection, egress
from core.secrets import Cipher, credentials, resolve_secret_ref
from core.settings import Settings
from store.models import Connection


async def connection_settings(
    row: Connection, cipher: Cipher, settings: Settings
) -> ConnectionSettings:
    """The connection as the tenant may use it; PolicyDenied when the policy refuses it."""
    password, user = None, row.username
    if row.password_encrypted:
        password = cipher.decrypt(row.password_encrypted)
    elif row.credential_secret_ref:
        secret_user, password = credentials(resolve_secret_ref(row.credential_secret_ref, settings))
        user = user or secret_user
    stored = ConnectionSettings(
        host=row.host or None,
        port=row.port or None,
        database=row.database,
        user=user,
        password=password,
        properties=row.properties,
    )
    return await confine_connection(settings, row.tenant_id, row.type, stored)


async def admit(row: Connection, cipher: Cipher, settings: Settings) -> None:
    """Refuse (PolicyDenied) a connection the policy does not allow, before it is stored; a
    secret not resolvable yet (a variable set later) does not stop it."""
    try:
        await connection_settings(row, cipher, settings)
    except egress.Unresolvable:
        pass
    except PolicyDenied:
        raise
    except (ConnectorError, ValueError):
        pass


async def connector_config(
    row: Connection, cipher: Cipher, settings: Settings
) -> tuple[Connector, Any]:
    """The connector of the connection's type, and its config."""
    connector = connector_for(row.type)
    return connector, connector.config(await connection_settings(row, cipher, settings))


async def postgres_config(row: Connection, cipher: Cipher, settings: Settings) -> PostgresConfig:
    """The config of a PostgreSQL connection: a target, or a source read by COPY."""
    if canonical_type(row.type) != "postgresql":
        raise TerminalError(
            f"connection {row.name!r} is a {row.type} connection, not PostgreSQL",
            error_type="UNSUPPORTED_TARGET",
        )
    resolved = await connection_settings(row, cipher, settings)
    return PostgresConfig.from_properties(
        host=resolved.host or "",
        port=resolved.port or 5432,
        database=resolved.database,
        user=resolved.user,
        password=resolved.password,
        properties=resolved.properties,
    )
