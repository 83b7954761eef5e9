"""Settings from the environment (prefix ``DUCTWORK_``, nested with ``__``).

Example: ``DUCTWORK_API__PORT=9000``, ``DUCTWORK_STORE__URL=postgresql+asyncpg://...``.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    development = "development"
    production = "production"


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None  # how users reach the API; defaults to http://host:port

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


class TemporalSettings(BaseModel):
    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = "ductwork"
    ui_port: int = 8233
    ui_url: str | None = None  # Web UI base URL; defaults to http://127.0.0.1:ui_port
    embedded: bool = True  # `ductwork up` starts the dev server itself

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])

    @property
    def web_url(self) -> str:
        return self.ui_url or f"http://127.0.0.1:{self.ui_port}"


class StoreSettings(BaseModel):
    url: str | None = None  # default: SQLite file in the data directory
    echo: bool = False


class SecuritySettings(BaseModel):
    # Fernet key for connection credentials at rest. Generated into data_dir/secret.key
    # (mode 0600) on first start in development; must be given in production.
    encryption_key: SecretStr | None = None


class DataPlaneSettings(BaseModel):
    staging_schema: str = "_ductwork"
    heartbeat_seconds: float = 2.0
    # A worker silent this long is presumed dead and its step is retried on another one.
    heartbeat_timeout_seconds: float = 20.0
    progress_every_seconds: float = 1.0
    connect_timeout_seconds: float = 10.0
    # Rows per Arrow record batch read from sources other than PostgreSQL: the memory bound.
    batch_rows: int = Field(default=50_000, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DUCTWORK_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    environment: Environment = Environment.development
    data_dir: Path = Path(".ductwork")
    default_tenant: str = "default"
    log_level: str = "INFO"
    api: ApiSettings = Field(default_factory=ApiSettings)
    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    data_plane: DataPlaneSettings = Field(default_factory=DataPlaneSettings)

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.environment is Environment.production:
            if self.security.encryption_key is None:
                raise ValueError(
                    "DUCTWORK_SECURITY__ENCRYPTION_KEY must be set in production "
                    "(a Fernet key: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())')"
                )
            if self.store.url is None:
                raise ValueError("DUCTWORK_STORE__URL must be set in production")
        return self

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'ductwork.db'}"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "secret.key"


@lru_cache
def get_settings() -> Settings:
    return Settings()
