"""Turn a stored connection into a connector config, secrets decrypted only here."""

from __future__ import annotations

from connectors.postgres import PostgresConfig
from core.secrets import Cipher, resolve_secret_ref
from store.models import Connection

# Connection types this build can move data with, and the names clients use for them.
TYPE_ALIASES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pg": "postgresql",
    "jdbc": "postgresql",  # seed 003's example: a JDBC connection on port 5432
}


def canonical_type(name: str) -> str | None:
    return TYPE_ALIASES.get(name.strip().lower())


def postgres_config(row: Connection, cipher: Cipher) -> PostgresConfig:
    password = None
    if row.password_encrypted:
        password = cipher.decrypt(row.password_encrypted)
    elif row.credential_secret_ref:
        password = resolve_secret_ref(row.credential_secret_ref)
    return PostgresConfig.from_properties(
        host=row.host,
        port=row.port,
        database=row.database,
        user=row.username,
        password=password,
        properties=row.properties,
    )
