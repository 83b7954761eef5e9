"""Request and response bodies of /v1/pipelines/connections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from api.schemas.common import CamelModel, CamelRequest
from core.connections import TYPE_ALIASES, canonical_type


class ConnectionCreate(CamelRequest):
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(description=f"one of {sorted(TYPE_ALIASES)}")
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=5432, ge=1, le=65535)
    database: str = Field(min_length=1, max_length=255)
    username: str | None = Field(default=None, max_length=255)
    password: SecretStr | None = None
    credential_secret_ref: str | None = Field(
        default=None, description="where the password is: 'env:NAME' or 'file:/path'"
    )
    properties: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _supported(cls, value: str) -> str:
        canonical = canonical_type(value)
        if canonical is None:
            supported = ", ".join(sorted(TYPE_ALIASES))
            raise ValueError(f"unsupported connection type {value!r}; supported: {supported}")
        return canonical

    @field_validator("credential_secret_ref")
    @classmethod
    def _ref_form(cls, value: str | None) -> str | None:
        if value is not None and value.partition(":")[0] not in ("env", "file"):
            raise ValueError("use 'env:NAME' or 'file:/path/to/secret'")
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
    host: str
    port: int
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
