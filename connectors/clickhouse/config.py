"""Connection settings of a ClickHouse server (HTTP interface, through clickhouse-connect)."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.base import ConnectionSettings

DEFAULT_PORT = 8123


@dataclass(frozen=True)
class ClickHouseConfig:
    host: str
    port: int
    database: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    secure: bool = False
    connect_timeout_s: float = 10.0

    @classmethod
    def from_settings(cls, settings: ConnectionSettings) -> ClickHouseConfig:
        props = settings.properties or {}
        secure = props.get("secure", False)
        if isinstance(secure, str):
            secure = secure.strip().lower() in ("true", "1", "yes")
        return cls(
            host=settings.host or "",
            port=settings.port or DEFAULT_PORT,
            database=settings.database or "default",
            user=settings.user,
            password=settings.password,
            secure=bool(secure),
            connect_timeout_s=float(props.get("connect_timeout", 10)),
        )
