"""The default tenant and, on a store without users, the first admin."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass

from core.auth.passwords import hash_password
from core.settings import Settings
from store import identity
from store.db import Database
from store.errors import Conflict
from store.models.core import utcnow
from store.models.identity import User


@dataclass(frozen=True)
class FirstAdmin:
    email: str
    tenant_id: str
    password: str | None  # generated here; None when it came from the settings


async def ensure_identity(
    db: Database, settings: Settings, *, generate_password: bool
) -> FirstAdmin | None:
    """Create the default tenant if missing, and the first admin if there is no user at all.

    The admin's password comes from the settings, or is random when ``generate_password``
    (the caller shows it once); it is never a fixed default.
    """
    tenant_id = settings.default_tenant
    async with db.session() as session:
        await identity.ensure_tenant(session, tenant_id, settings.rate_limit.bootstrap_plan)
        if await identity.count_users(session):
            return None
        configured = settings.auth.admin_password
        if configured is None and not generate_password:
            return None
        password = (
            configured.get_secret_value() if configured is not None else secrets.token_urlsafe(12)
        )
        now = utcnow()
        user = User(
            id=str(uuid.uuid4()),
            email=settings.auth.admin_email.strip().lower(),
            name="Administrator",
            password_hash=await asyncio.to_thread(hash_password, password),
            created_at=now,
            updated_at=now,
        )
        try:
            await identity.create_user(session, user, tenant_id, "admin")
        except Conflict:
            return None  # another process created it a moment ago
    return FirstAdmin(user.email, tenant_id, None if configured is not None else password)


def login_hint(admin: FirstAdmin, base_url: str) -> str:
    """What ``ductwork up`` prints once, when it created the first admin."""
    password = admin.password or "<the password of DUCTWORK_AUTH__ADMIN_PASSWORD>"
    return (
        f"  First admin:      {admin.email} (tenant {admin.tenant_id!r})\n"
        f"  Password:         {password}   <- shown this once; change it after logging in\n"
        "  Log in:\n"
        f"    curl -s -X POST {base_url}/api/v1/auth/login -H 'Content-Type: application/json' \\\n"
        f'      -d \'{{"email": "{admin.email}", "password": "{password}"}}\'\n'
        "    then send 'Authorization: Bearer <access_token>' (and 'X-Tenant-ID: "
        f"{admin.tenant_id}' on /v1)\n"
    )
