"""Connection settings of a MySQL or MariaDB database."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from connectors.base import ConnectionSettings

DEFAULT_PORT = 3306


@dataclass(frozen=True)
class MySQLConfig:
    host: str
    port: int
    database: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    connect_timeout_s: float = 10.0

    @classmethod
    def from_settings(cls, settings: ConnectionSettings) -> MySQLConfig:
        props = settings.properties
        timeout_ms = props.get("connectionTimeout") or props.get("connection_timeout")
        return cls(
            host=settings.host or "",
            port=settings.port or DEFAULT_PORT,
            database=settings.database,
            user=settings.user,
            password=settings.password,
            connect_timeout_s=float(timeout_ms) / 1000 if timeout_ms else 10.0,
        )

    def url(self) -> str:
        """connectorx's connection URL (the password is in it: never log it)."""
        user = quote(self.user or "", safe="")
        password = quote(self.password or "", safe="")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"mysql://{user}:{password}@{host}:{self.port}/{quote(self.database, safe='')}"
