"""Tenants, users and memberships, API keys, login sessions and refresh tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.db import read_rows
from store.errors import Conflict, NotFound
from store.models.core import utcnow
from store.models.identity import (
    ApiKey,
    AuthSession,
    Membership,
    RefreshToken,
    Tenant,
    User,
)

# --- tenants ---------------------------------------------------------------------------------


async def get_tenant(session: AsyncSession, tenant_id: str) -> Tenant | None:
    return await session.get(Tenant, tenant_id)


async def create_tenant(session: AsyncSession, tenant: Tenant) -> Tenant:
    session.add(tenant)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"tenant {tenant.id!r} already exists", code="TENANT_EXISTS") from None
    return tenant


async def ensure_tenant(session: AsyncSession, tenant_id: str, plan: str) -> Tenant:
    """The tenant, created with ``plan`` if it does not exist yet (safe under races)."""
    found = await session.get(Tenant, tenant_id)
    if found is not None:
        return found
    try:
        return await create_tenant(
            session, Tenant(id=tenant_id, name=tenant_id, plan=plan, created_at=utcnow())
        )
    except Conflict:
        found = await session.get(Tenant, tenant_id)
        assert found is not None
        return found


async def tenants_of(session: AsyncSession, user_id: str) -> list[tuple[Tenant, str]]:
    rows = await session.exec(
        select(Tenant, Membership.role)
        .join(Membership, col(Membership.tenant_id) == col(Tenant.id))
        .where(Membership.user_id == user_id)
        .order_by(col(Tenant.id))
    )
    return [(tenant, role) for tenant, role in rows]


# --- users and their roles -------------------------------------------------------------------


async def count_users(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(User))).one()


async def create_user(session: AsyncSession, user: User, tenant_id: str, role: str) -> User:
    session.add(user)
    try:
        await session.flush()
        session.add(
            Membership(user_id=user.id, tenant_id=tenant_id, role=role, created_at=utcnow())
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"a user with email {user.email!r} exists", code="USER_EXISTS") from None
    return user


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.exec(select(User).where(User.email == email.strip().lower()))
    return result.first()


async def get_user(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


_MEMBERSHIPS = select(Membership).where(col(Membership.user_id) == bindparam("user_id"))


async def memberships(session: AsyncSession, user_id: str) -> dict[str, str]:
    """tenant id → role of one user (read in the caller's thread when it can be: every
    request of a logged-in user asks)."""
    rows = await read_rows(session, _MEMBERSHIPS, {"user_id": user_id})
    return {m.tenant_id: m.role for (m,) in rows}


async def add_membership(session: AsyncSession, user_id: str, tenant_id: str, role: str) -> None:
    session.add(Membership(user_id=user_id, tenant_id=tenant_id, role=role, created_at=utcnow()))
    await session.commit()


async def member(session: AsyncSession, tenant_id: str, user_id: str) -> tuple[User, Membership]:
    row = (
        await session.exec(
            select(User, Membership)
            .join(Membership, col(Membership.user_id) == col(User.id))
            .where(Membership.tenant_id == tenant_id, User.id == user_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"user {user_id!r} not found", code="USER_NOT_FOUND")
    return row[0], row[1]


async def members(
    session: AsyncSession, tenant_id: str, offset: int, limit: int
) -> tuple[list[tuple[User, Membership]], int]:
    where = Membership.tenant_id == tenant_id
    total = (await session.exec(select(func.count()).select_from(Membership).where(where))).one()
    rows = await session.exec(
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(where)
        .order_by(col(User.created_at), col(User.id))
        .offset(offset)
        .limit(limit)
    )
    return [(u, m) for u, m in rows], total


async def count_admins(session: AsyncSession, tenant_id: str) -> int:
    query = (
        select(func.count())
        .select_from(Membership)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(Membership.tenant_id == tenant_id, Membership.role == "admin", col(User.is_active))
    )
    return (await session.exec(query)).one()


async def remove_membership(session: AsyncSession, membership: Membership) -> None:
    await session.delete(membership)
    await session.commit()


# --- API keys --------------------------------------------------------------------------------


async def create_key(session: AsyncSession, key: ApiKey) -> ApiKey:
    session.add(key)
    await session.commit()
    return key


_KEY_BY_DIGEST = select(ApiKey).where(col(ApiKey.key_hash) == bindparam("digest"))


async def key_by_digest(session: AsyncSession, digest: str) -> ApiKey | None:
    """The key whose digest this is (read in the caller's thread when it can be: every request
    with an API key asks). The row is for reading: it may belong to no session."""
    rows = await read_rows(session, _KEY_BY_DIGEST, {"digest": digest})
    return rows[0][0] if rows else None


async def touch_key(session: AsyncSession, key: ApiKey, now: datetime) -> None:
    await session.exec(update(ApiKey).where(col(ApiKey.id) == key.id).values(last_used_at=now))
    await session.commit()


async def keys(
    session: AsyncSession, tenant_id: str, offset: int, limit: int
) -> tuple[list[ApiKey], int]:
    where = ApiKey.tenant_id == tenant_id
    total = (await session.exec(select(func.count()).select_from(ApiKey).where(where))).one()
    rows = await session.exec(
        select(ApiKey)
        .where(where)
        .order_by(col(ApiKey.created_at), col(ApiKey.id))
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


async def get_key(session: AsyncSession, tenant_id: str, key_id: str) -> ApiKey:
    row = await session.get(ApiKey, key_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"API key {key_id!r} not found", code="API_KEY_NOT_FOUND")
    return row


async def revoke_key(session: AsyncSession, tenant_id: str, key_id: str) -> ApiKey:
    row = await get_key(session, tenant_id, key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        await session.commit()
    return row


# --- login sessions and refresh tokens -------------------------------------------------------


async def start_session(session: AsyncSession, auth_session: AuthSession) -> AuthSession:
    session.add(auth_session)
    await session.commit()
    return auth_session


_SESSION_WITH_USER = (
    select(AuthSession, User)
    .join(User, col(User.id) == col(AuthSession.user_id))
    .where(col(AuthSession.id) == bindparam("session_id"))
)


async def session_with_user(
    session: AsyncSession, session_id: str
) -> tuple[AuthSession, User] | None:
    """A login session with its user (read in the caller's thread when it can be: every
    request of a logged-in user asks). The rows are for reading: they may belong to no
    session."""
    rows = await read_rows(session, _SESSION_WITH_USER, {"session_id": session_id})
    return (rows[0][0], rows[0][1]) if rows else None


async def revoke_session(session: AsyncSession, session_id: str, reason: str) -> None:
    await session.exec(
        update(AuthSession)
        .where(col(AuthSession.id) == session_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    await session.commit()


async def add_refresh_token(session: AsyncSession, token: RefreshToken) -> None:
    session.add(token)
    await session.commit()


async def get_refresh_token(session: AsyncSession, token_id: str) -> RefreshToken | None:
    return await session.get(RefreshToken, token_id, populate_existing=True)


async def spend_refresh_token(session: AsyncSession, token_id: str, now: datetime) -> bool:
    """Mark a refresh token used; False if it was used already (by a racing request too)."""
    result = await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == token_id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )
    await session.commit()
    return result.rowcount == 1


async def save_user(
    session: AsyncSession,
    user: User,
    *,
    end_logins: str | None = None,
    keep: str | None = None,
) -> None:
    """Commit a user's changes (and the session's other pending ones, e.g. their membership).

    ``end_logins`` (the reason) revokes every login of the user but ``keep`` in the same commit:
    their refresh tokens stop working, and so do their access tokens (checked against the login
    on every request).
    """
    session.add(user)
    if end_logins is not None:
        await session.exec(
            update(AuthSession)
            .where(
                col(AuthSession.user_id) == user.id,
                col(AuthSession.id) != (keep or ""),
                col(AuthSession.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow(), revoked_reason=end_logins)
        )
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"a user with email {user.email!r} exists", code="USER_EXISTS") from None


async def purge_expired_logins(session: AsyncSession, user_id: str, before: datetime) -> None:
    """Delete one user's refresh tokens that expired before ``before``, then their logins left
    without a token (started before ``before`` too, so a login being issued is never caught).

    A token is only deleted once no request could present it anymore (its JWT has expired), so
    the reuse check of a spent token still within its lifetime keeps its row and its login.
    """
    logins = select(AuthSession.id).where(AuthSession.user_id == user_id)
    await session.exec(
        delete(RefreshToken).where(
            col(RefreshToken.session_id).in_(logins), col(RefreshToken.expires_at) < before
        )
    )
    remaining = select(RefreshToken.id).where(col(RefreshToken.session_id) == col(AuthSession.id))
    await session.exec(
        delete(AuthSession).where(
            col(AuthSession.user_id) == user_id,
            col(AuthSession.created_at) < before,
            ~remaining.exists(),
        )
    )
    await session.commit()
