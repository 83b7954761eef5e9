"""Settings from the environment (prefix ``DUCTWORK_``, nested with ``__``).

Example: ``DUCTWORK_API__PORT=9000``, ``DUCTWORK_STORE__URL=postgresql+asyncpg://...``.
"""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
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
    # How long Temporal keeps a closed workflow's history (set on the namespace by `ductwork up`;
    # a remote cluster's operator sets it there). Runs' records in the store outlive it.
    retention_days: int = Field(default=30, ge=1, le=3650)
    # A remote cluster or Temporal Cloud: TLS (mTLS with a client certificate) and/or an API key.
    tls: bool = False
    tls_server_ca_cert: Path | None = None  # PEM; default: the system's roots
    tls_client_cert: Path | None = None  # PEM, for mTLS
    tls_client_key: Path | None = None
    tls_server_name: str | None = None  # when it differs from the address's host
    api_key: SecretStr | None = None  # Temporal Cloud API key (implies TLS)

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
    # Keys that still decrypt while `ductwork rotate-key` re-encrypts every stored secret with
    # encryption_key; drop them once it has run.
    previous_encryption_keys: list[SecretStr] = Field(default_factory=list)


class DataPlaneSettings(BaseModel):
    staging_schema: str = "_ductwork"
    heartbeat_seconds: float = 2.0
    # A worker silent this long is presumed dead and its step is retried on another one.
    heartbeat_timeout_seconds: float = 20.0
    progress_every_seconds: float = 1.0
    connect_timeout_seconds: float = 10.0
    # Rows per Arrow record batch read from sources other than PostgreSQL: the memory bound.
    batch_rows: int = Field(default=50_000, ge=1)
    # DuckDB staging files of sinks that are not PostgreSQL nor DuckDB (files, ClickHouse):
    # every worker must see the same directory. Default: <data_dir>/staging.
    staging_dir: str | None = None


class LLMSettings(BaseModel):
    """An OpenAI-compatible chat-completions endpoint; none configured: the offline planner."""

    base_url: str | None = None  # e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    prompt_cost_per_1k: float = 0.0  # USD per 1000 prompt tokens, for the estimate
    completion_cost_per_1k: float = 0.0
    timeout_seconds: float = 60.0
    max_repairs: int = Field(default=2, ge=0)  # validation errors sent back to the model


class ConfinementSettings(BaseModel):
    """What a tenant's definitions may reach: the trust model (README, "Trust model").

    Local paths (files, SQLite and DuckDB connections and targets) resolve inside
    ``<data_dir>/tenants/<tenant>/``, the ``roots`` every tenant may use, or the tenant's own
    ``tenant_roots``; never inside the data directory's own files. Secret references name
    environment variables under ``secret_env_prefix`` or files under ``secrets_dir``.
    Outbound HTTP (HTTP sources and every redirect, webhooks, S3 endpoints) refuses loopback,
    private, link-local and metadata addresses unless ``allowed_networks`` covers them, and the
    service's own ports always. Database hosts: ``database_allowed_networks`` (default: every
    address in development, public addresses only in production) minus
    ``database_denied_networks``; metadata addresses and the service's own ports never.
    Lists are JSON in the environment: ``DUCTWORK_CONFINEMENT__ROOTS='["/srv/exports"]'``.
    """

    roots: list[Path] = Field(default_factory=list)
    tenant_roots: dict[str, list[Path]] = Field(default_factory=dict)
    secret_env_prefix: str = "DUCTWORK_SECRET_"
    secrets_dir: Path | None = None  # default: <data_dir>/secrets
    allowed_networks: list[str] = Field(default_factory=list)
    denied_networks: list[str] = Field(default_factory=list)
    denied_hosts: list[str] = Field(default_factory=list)
    database_allowed_networks: list[str] | None = None
    database_denied_networks: list[str] = Field(default_factory=list)
    resolve_timeout_seconds: float = 3.0


class RetentionSettings(BaseModel):
    """How long the store keeps what grows with every run (``DUCTWORK_RETENTION__*``); the
    runs' own records (status, steps, metrics) are kept. 0 keeps everything."""

    run_log_days: int = Field(default=90, ge=0)  # run log lines
    webhook_delivery_days: int = Field(default=30, ge=0)  # finished deliveries, their attempts
    sweep_every_seconds: float = Field(default=3600.0, gt=0)


class WebhookSettings(BaseModel):
    """How webhook deliveries are retried (where they may point: ``ConfinementSettings``)."""

    timeout_seconds: float = 10.0  # per delivery attempt
    max_attempts: int = Field(default=12, ge=1)
    retry_initial_seconds: float = Field(default=10.0, gt=0)
    retry_max_interval_seconds: float = Field(default=3600.0, gt=0)


class CostSettings(BaseModel):
    """Rates of the cost estimates (USD): measured work priced at these, never billed figures."""

    compute_usd_per_hour: float = Field(default=0.20, ge=0)  # per hour of step (activity) time
    storage_usd_per_gb_month: float = Field(default=0.023, ge=0)  # bytes loaded, one month kept
    network_usd_per_gb: float = Field(default=0.09, ge=0)  # bytes moved out of the sources
    llm_usd_per_1k_tokens: float = Field(default=0.002, ge=0)  # when the LLM settings give none
    trend_threshold: float = Field(default=0.10, ge=0)  # relative change that is not "stable"


class LifecycleSettings(BaseModel):
    """Deployments, approvals and schedules (issue 4)."""

    dag_folder: Path | None = None  # watch_folder writes DAG files here (default data_dir/dags)
    git_repo: Path | None = None  # git_sync commits DAG files here (default data_dir/dags-repo)
    approval_environments: list[str] = Field(default_factory=lambda: ["production"])
    approval_timeout_seconds: float = Field(default=86_400.0, gt=0)  # then the request expires
    # A run paused by a failed ``approve`` quality check fails when no decision comes in time.
    run_approval_timeout_seconds: float = Field(default=86_400.0, gt=0)
    deploy_wait_seconds: float = Field(default=30.0, gt=0)  # the deploy call waits this long


class AuthSettings(BaseModel):
    """Logins (JWT), API keys and the first admin (issue 5)."""

    # HS256 signing key of access and refresh tokens. Generated into data_dir/jwt.key (mode 0600)
    # in development; must be given, and strong, in production.
    jwt_secret: SecretStr | None = None
    access_token_seconds: int = Field(default=3600, gt=0)
    refresh_token_seconds: int = Field(default=30 * 86_400, gt=0)
    # A dashboard login renews its expired access token from its refresh cookie for this long
    # after the password was given (a working day), then asks for the password again.
    dashboard_login_seconds: int = Field(default=12 * 3600, gt=0)
    # The connection syncs API's key: an admin API key of the default tenant. DATAPIPELINES_API_KEY
    # is read too.
    bootstrap_api_key: SecretStr | None = Field(
        default_factory=lambda: _env_secret("DATAPIPELINES_API_KEY")
    )
    # The first admin, created on a store without users; no password: a random one, shown once.
    admin_email: str = "admin@localhost"
    admin_password: SecretStr | None = None
    # Reverse proxies (networks) whose ``proxy_header`` names the client, e.g. ["10.0.0.0/8"]
    # (JSON in the environment: DUCTWORK_AUTH__TRUSTED_PROXIES='["10.0.0.0/8"]'). Empty: the
    # client is the connection's peer and every proxy header is ignored. The proxies must set
    # that header themselves: one they only pass along is the client's to forge.
    trusted_proxies: list[str] = Field(default_factory=list)
    proxy_header: Literal["x-forwarded-for", "forwarded", "x-real-ip"] = "x-forwarded-for"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network.strip(), strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies: {network!r} is not a network") from None
        return value


class PlanLimits(BaseModel):
    per_hour: int = Field(gt=0)
    burst: int = Field(gt=0)  # requests per second


def _default_plans() -> dict[str, PlanLimits]:
    return {
        "free": PlanLimits(per_hour=100, burst=10),
        "pro": PlanLimits(per_hour=1_000, burst=100),
        "enterprise": PlanLimits(per_hour=10_000, burst=1_000),
    }


class RateLimitSettings(BaseModel):
    """Requests per tenant by plan (API.md); callers without valid credentials: per address."""

    enabled: bool = True
    # memory:// counts per process; redis://127.0.0.1:6379/0 shares one budget between processes.
    storage_url: str = "memory://"
    key_prefix: str = "ductwork-ratelimit"
    plans: dict[str, PlanLimits] = Field(default_factory=_default_plans)
    default_plan: str = "free"  # of tenants created later
    bootstrap_plan: str = "enterprise"  # of the default tenant, the operator's own
    anonymous_plan: str = "free"
    # Logins are not counted against an address's budget; failed ones have their own: per
    # account and address, and per address (password spraying). Successful logins cost nothing.
    login_failures_per_account: int = Field(default=10, gt=0)
    login_failures_per_address: int = Field(default=100, gt=0)
    login_failure_window_seconds: int = Field(default=900, gt=0)


class TelemetrySettings(BaseModel):
    """Traces, metrics and their endpoints (``DUCTWORK_TELEMETRY__*``)."""

    service_name: str = "ductwork"  # the OpenTelemetry resource; "-api"/"-worker" is appended
    otlp_endpoint: str | None = None  # e.g. http://127.0.0.1:4318: spans are exported there
    otlp_headers: dict[str, SecretStr] = Field(default_factory=dict)  # e.g. an API key header
    # A bearer token that may read /metrics (a Prometheus scrape job); admins may read it too.
    metrics_token: SecretStr | None = None
    # Where a process's Temporal SDK metrics are served (Prometheus text): "127.0.0.1:0" picks
    # a free port (the API re-serves its own under /metrics); None turns them off.
    temporal_metrics_address: str | None = "127.0.0.1:0"

    @field_validator("otlp_endpoint", "metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return value or None  # an empty variable (compose's ${X:-}) means "not configured"


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
    auth: AuthSettings = Field(default_factory=AuthSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    data_plane: DataPlaneSettings = Field(default_factory=DataPlaneSettings)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    cost: CostSettings = Field(default_factory=CostSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    confinement: ConfinementSettings = Field(default_factory=ConfinementSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)

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
            _check_jwt_secret(self.auth.jwt_secret)
        return self

    @model_validator(mode="after")
    def _staging_dir_in_data_dir(self) -> Settings:
        if self.data_plane.staging_dir is None:
            self.data_plane.staging_dir = str((self.data_dir / "staging").resolve())
        return self

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'ductwork.db'}"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def secrets_dir(self) -> Path:
        return self.confinement.secrets_dir or self.data_dir / "secrets"


WEAK_SECRETS = frozenset({"secret", "changeme", "change-me", "dev", "development", "jwt-secret"})


def _check_jwt_secret(secret: SecretStr | None) -> None:
    """Production refuses a missing, well-known or short token signing key."""
    value = secret.get_secret_value() if secret else ""
    if not value:
        raise ValueError(
            "DUCTWORK_AUTH__JWT_SECRET must be set in production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if value.lower() in WEAK_SECRETS or len(value) < 32:
        raise ValueError(
            "DUCTWORK_AUTH__JWT_SECRET is a default or short key: use 32+ random characters"
        )


def _env_secret(name: str) -> SecretStr | None:
    value = os.environ.get(name)
    return SecretStr(value) if value else None


@lru_cache
def get_settings() -> Settings:
    return Settings()
