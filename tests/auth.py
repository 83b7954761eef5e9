"""Credentials for tests: the bootstrap key, users of each role with tokens, a second tenant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

import httpx
from argon2 import PasswordHasher

from core.auth import keys
from core.auth.tokens import ACCESS, TokenSigner
from core.settings import Settings
from store import identity
from store.db import Database
from store.models.core import utcnow
from store.models.identity import ApiKey, AuthSession, User

BOOTSTRAP_KEY = "dw-test-bootstrap-" + uuid.uuid4().hex
JWT_SECRET = "dw-test-jwt-" + uuid.uuid4().hex + uuid.uuid4().hex
DEFAULT_TENANT = "default"
PASSWORD = "correct horse battery staple"
# Real plans for the rate-limit tests; everything else runs on a plan that never throttles.
UNMETERED = "unmetered"
TEST_RATE_LIMIT = {
    "plans": {
        "free": {"per_hour": 100, "burst": 10},
        "pro": {"per_hour": 1_000, "burst": 100},
        "enterprise": {"per_hour": 10_000, "burst": 1_000},
        "tiny": {"per_hour": 5, "burst": 100},  # an hourly budget a test can use up
        UNMETERED: {"per_hour": 10_000_000, "burst": 1_000_000},
    },
    "default_plan": UNMETERED,
    "bootstrap_plan": UNMETERED,
    "anonymous_plan": UNMETERED,
}


@cache
def _password_hash() -> str:
    # Cheap parameters (verification reads them from the hash): argon2 is slow on purpose.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def headers(credential: str, tenant: str | None = DEFAULT_TENANT) -> dict[str, str]:
    """Bearer headers (a JWT or an API key) and the tenant header of seed 003."""
    out = {"Authorization": f"Bearer {credential}"}
    if tenant is not None:
        out["X-Tenant-ID"] = tenant
    return out


@dataclass
class Member:
    user_id: str
    email: str
    tenant_id: str
    role: str
    token: str  # an access token
    session_id: str


@dataclass
class Tenancy:
    """One tenant with a user of each role and an admin API key."""

    tenant_id: str
    members: dict[str, Member] = field(default_factory=dict)
    admin_key: str = ""

    def token(self, role: str) -> str:
        return self.members[role].token


async def make_user(
    db: Database,
    settings: Settings,
    tenant_id: str,
    role: str,
    *,
    email: str | None = None,
    expires_in: timedelta | None = None,
) -> Member:
    """A user with ``role`` in ``tenant_id`` and a fresh access token (as login issues)."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    now = utcnow()
    user = User(
        id=str(uuid.uuid4()),
        email=email,
        password_hash=_password_hash(),
        created_at=now,
        updated_at=now,
    )
    signer = TokenSigner.from_settings(settings)
    async with db.session() as session:
        await identity.ensure_tenant(session, tenant_id, UNMETERED)
        await identity.create_user(session, user, tenant_id, role)
        login = await identity.start_session(
            session,
            AuthSession(id=uuid.uuid4().hex, user_id=user.id, tenant_id=tenant_id, created_at=now),
        )
    issued_at = now - signer_offset(signer, expires_in)
    token = signer.issue(
        ACCESS, user_id=user.id, session_id=login.id, tenant_id=tenant_id, now=issued_at
    ).token
    return Member(user.id, email, tenant_id, role, token, login.id)


def signer_offset(signer: TokenSigner, expires_in: timedelta | None) -> timedelta:
    """How far back to date a token so that it expires after ``expires_in`` (may be negative)."""
    if expires_in is None:
        return timedelta(0)
    return timedelta(seconds=signer.access_seconds) - expires_in


async def make_key(db: Database, tenant_id: str, role: str = "admin") -> str:
    new = keys.generate()
    async with db.session() as session:
        await identity.ensure_tenant(session, tenant_id, UNMETERED)
        await identity.create_key(
            session,
            ApiKey(
                id=str(uuid.uuid4()),
                tenant_id=tenant_id,
                name=f"test {role}",
                prefix=new.prefix,
                key_hash=new.digest,
                role=role,
                created_by="tests",
                created_at=utcnow(),
            ),
        )
    return new.plaintext


async def make_tenancy(db: Database, settings: Settings, tenant_id: str) -> Tenancy:
    tenancy = Tenancy(tenant_id)
    for role in ("viewer", "editor", "admin"):
        tenancy.members[role] = await make_user(db, settings, tenant_id, role)
    tenancy.admin_key = await make_key(db, tenant_id)
    return tenancy


def anonymous_client(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    """A client of the app that sends no credentials."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ductwork.test"
    )
