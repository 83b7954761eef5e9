"""Tables of the identity area: tenants, users and their roles, API keys, login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from store.models.core import _ts


class Tenant(SQLModel, table=True):
    """An isolated workspace; its plan sets the rate limits of everyone calling in it."""

    __tablename__ = "tenants"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    plan: str = Field(default="free", max_length=32)  # free, pro, enterprise
    created_at: datetime = _ts(nullable=False)


class User(SQLModel, table=True):
    """A person who logs in; what they may do is per tenant, in ``memberships``."""

    __tablename__ = "users"

    id: str = Field(primary_key=True, max_length=64)
    email: str = Field(unique=True, max_length=320)  # stored lower-cased
    name: str | None = Field(default=None, max_length=200)
    password_hash: str = Field(max_length=255)  # argon2id
    is_active: bool = True
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class Membership(SQLModel, table=True):
    """A user's role in one tenant."""

    __tablename__ = "memberships"

    user_id: str = Field(foreign_key="users.id", primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", primary_key=True, index=True, max_length=64)
    role: str = Field(max_length=16)  # viewer, editor, admin
    created_at: datetime = _ts(nullable=False)


class ApiKey(SQLModel, table=True):
    """A key for programs; only its SHA-256 is kept (the key is shown once, at creation)."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)  # the first characters, to recognise a key in a list
    key_hash: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=16)
    created_by: str = Field(max_length=200)
    created_at: datetime = _ts(nullable=False)
    expires_at: datetime | None = _ts(nullable=True)
    last_used_at: datetime | None = _ts(nullable=True)
    revoked_at: datetime | None = _ts(nullable=True)


class AuthSession(SQLModel, table=True):
    """One login: the family of its refresh tokens; revoking it ends every token it issued."""

    __tablename__ = "auth_sessions"

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    created_at: datetime = _ts(nullable=False)
    revoked_at: datetime | None = _ts(nullable=True)
    revoked_reason: str | None = Field(default=None, max_length=64)


class RefreshToken(SQLModel, table=True):
    """One refresh token (its JWT id); usable once, then replaced by the next one."""

    __tablename__ = "refresh_tokens"

    id: str = Field(primary_key=True, max_length=64)
    session_id: str = Field(foreign_key="auth_sessions.id", index=True, max_length=64)
    created_at: datetime = _ts(nullable=False)
    expires_at: datetime = _ts(nullable=False)
    used_at: datetime | None = _ts(nullable=True)
