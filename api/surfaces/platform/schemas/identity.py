"""Request and response bodies of logins, users, API keys and tenants (snake_case, the AI-ETL
platform API)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Role = Literal["viewer", "editor", "admin"]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(StrictBody):
    email: str = Field(min_length=3, max_length=320)
    password: SecretStr = Field(min_length=1, max_length=1024)
    tenant_id: str | None = Field(default=None, description="tenant of the token; default: yours")


class RefreshIn(StrictBody):
    refresh_token: str = Field(min_length=1, max_length=4096)


class LogoutIn(StrictBody):
    refresh_token: str | None = Field(default=None, max_length=4096)


class PasswordChangeIn(StrictBody):
    current_password: SecretStr = Field(min_length=1, max_length=1024)
    new_password: SecretStr = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class MeOut(BaseModel):
    subject: str
    kind: str
    tenant_id: str
    role: str
    user_id: str | None
    tenants: dict[str, str]


class UserCreate(StrictBody):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: SecretStr = Field(min_length=1, max_length=1024)
    name: str | None = Field(default=None, max_length=200)
    role: Role = "viewer"


class UserUpdate(StrictBody):
    """``email``, ``name``, ``password`` and ``is_active`` are the user's in every tenant they
    belong to; ``role`` is theirs in the caller's tenant only."""

    email: str | None = Field(
        default=None, min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"
    )
    name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    password: SecretStr | None = Field(default=None, min_length=1, max_length=1024)


class UserOut(BaseModel):
    id: str
    email: str
    name: str | None
    role: str
    is_active: bool
    created_at: datetime


class ApiKeyCreate(StrictBody):
    name: str = Field(min_length=1, max_length=200)
    role: Role = "editor"
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    role: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the key itself: shown this once, only its hash is kept")


class TenantCreate(StrictBody):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str | None = Field(default=None, max_length=200)


class TenantOut(BaseModel):
    id: str
    name: str
    plan: str
    role: str
    created_at: datetime
