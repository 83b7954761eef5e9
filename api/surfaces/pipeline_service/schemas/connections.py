"""Request and response bodies of /v1/pipelines/connections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from api.schemas.common import CamelModel, CamelRequest
from connectors import jdbc
from connectors.files.config import root_problem
from connectors.http.config import check_base_url
from connectors.registry import ALIASES, canonical_type, connector_for
from core.secrets import secret_reference_form


class ConnectionCreate(CamelRequest):
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(
        description=f"one of {sorted(ALIASES)}; 'jdbc' is the system its JDBC URL (given as "
        "'host') or its port names"
    )
    host: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        validate_default=True,
        description="server types (postgresql, mysql, mariadb) only",
    )
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        validate_default=True,
        description="server types only; default: the type's own (5432, 3306)",
    )
    database: str = Field(
        default="",
        max_length=255,
        validate_default=True,
        description="the database; for sqlite and duckdb the absolute path of the database file; "
        "none for http",
    )
    username: str | None = Field(default=None, max_length=255)
    password: SecretStr | None = None
    credential_secret_ref: str | None = Field(
        default=None,
        description="where the password (or a JSON object with username and password) is, in "
        "the operator's secret store (admins only): a name such as 'sales-db-credentials' (the "
        "file of that name in the secrets directory, else DUCTWORK_SECRET_SALES_DB_CREDENTIALS), "
        "'env:DUCTWORK_SECRET_NAME' or 'file:NAME'",
    )
    properties: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _jdbc(cls, data: Any) -> Any:
        """``"type": "jdbc"``: the JDBC URL given as ``host``, else the port, names the system."""
        if not isinstance(data, dict) or str(data.get("type", "")).strip().lower() != "jdbc":
            return data
        host, port = data.get("host"), data.get("port")
        try:
            target = jdbc.resolve(
                host if isinstance(host, str) else None, port if isinstance(port, int) else None
            )
        except jdbc.JdbcUnresolved as exc:
            supported = ", ".join(sorted(set(ALIASES.values())))
            raise ValueError(f"{exc} (one of: {supported})") from None
        resolved = {**data, "type": target.type, "host": target.host}
        if target.port is not None:
            resolved["port"] = target.port
        if target.database and not data.get("database"):
            resolved["database"] = target.database
        return resolved

    @field_validator("type")
    @classmethod
    def _supported(cls, value: str) -> str:
        canonical = canonical_type(value)
        if canonical is None:
            supported = ", ".join(sorted(ALIASES))
            raise ValueError(f"unsupported connection type {value!r}; supported: {supported}")
        return canonical

    @field_validator("host")
    @classmethod
    def _host_of_servers_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("type")
        if kind is None:  # the type was refused already
            return value
        if kind == "http":
            if value is None:
                raise ValueError("an http connection needs 'host': its base URL")
            return check_base_url(value)
        if kind == "files":
            if value is not None:
                raise ValueError(
                    "a files connection has no 'host': give its root as 'database' (an "
                    "absolute directory or s3://bucket/prefix); an S3-compatible server's URL "
                    "goes in properties.endpoint_url"
                )
            return None
        if connector_for(kind).network:
            if value is None:
                raise ValueError(f"a {kind} connection needs 'host'")
        elif value is not None:
            raise ValueError(
                f"a {kind} connection is a database file: give its path as 'database', no 'host'"
            )
        return value

    @field_validator("port")
    @classmethod
    def _port_of_servers_only(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("type")
        if kind is None:
            return value
        connector = connector_for(kind)
        if connector.network:
            return value or connector.default_port
        if value is not None:
            if kind == "files":
                raise ValueError("a files connection has no 'port'")
            raise ValueError(f"a {kind} connection is a database file: it has no 'port'")
        return None

    @field_validator("database")
    @classmethod
    def _file_path(cls, value: str, info: ValidationInfo) -> str:
        """A local path may be relative: it is then in the tenant's own directory."""
        kind = info.data.get("type")
        if kind == "files":
            problem = root_problem(value if "://" in value else "/" + value.lstrip("/"))
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("database")
    @classmethod
    def _database_needed(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")
        if not value and kind is not None and kind not in ("http", "kafka"):
            raise ValueError(f"a {kind} connection needs 'database'")
        return value

    @field_validator("credential_secret_ref")
    @classmethod
    def _ref_form(cls, value: str | None) -> str | None:
        if value is not None and not secret_reference_form(value):
            raise ValueError(
                "use a secret's name (e.g. 'sales-db-credentials': letters, digits, '.', '_', "
                "'-'), 'env:DUCTWORK_SECRET_NAME' or 'file:NAME' (a file in the secrets "
                "directory)"
            )
        return value

    @model_validator(mode="after")
    def _one_password_source(self) -> ConnectionCreate:
        if self.password is not None and self.credential_secret_ref is not None:
            raise ValueError("give either 'password' or 'credentialSecretRef', not both")
        return self


class ConnectionOut(CamelModel):
    connection_id: str
    name: str
    type: str
    host: str | None  # None for a database file (sqlite, duckdb)
    port: int | None
    database: str
    username: str | None
    credential_secret_ref: str | None
    has_password: bool
    properties: dict[str, Any]
    created_at: datetime


class ConnectionTestDetails(CamelModel):
    schemas: list[str]
    tables: int


class ConnectionTestOut(CamelModel):
    connected: bool
    latency_ms: int
    version: str | None
    details: ConnectionTestDetails
    error: str | None = None


class ColumnOut(CamelModel):
    name: str
    type: str
    nullable: bool


class TableOut(CamelModel):
    schema_name: str = Field(serialization_alias="schema")
    name: str
    columns: list[ColumnOut]
    partitions: int | None = Field(default=None, description="a Kafka topic's partition count")


class ConnectionTablesOut(CamelModel):
    connection_id: str
    tables: list[TableOut]
