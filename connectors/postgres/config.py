"""Connection settings of a PostgreSQL database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}


@dataclass(frozen=True)
class PostgresConfig:
    host: str
    port: int
    database: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl_mode: str | None = None
    connect_timeout_s: float = 10.0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_properties(
        cls,
        *,
        host: str,
        port: int,
        database: str,
        user: str | None,
        password: str | None,
        properties: dict[str, Any],
    ) -> PostgresConfig:
        timeout_ms = properties.get("connectionTimeout") or properties.get("connection_timeout")
        return cls(
            host=host,
            port=port,
            database=database,
            user=user,
            password=password,
            ssl_mode=properties.get("sslMode") or properties.get("ssl_mode"),
            connect_timeout_s=float(timeout_ms) / 1000 if timeout_ms else 10.0,
        )
