"""Logging a user in with a password, and renewing a login with its refresh token: the use
cases behind the AI-ETL platform API's ``POST /api/v1/auth/login`` and ``/refresh``, and the
dashboard's login form and its renewal of an expired login cookie."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from core.auth.passwords import verify_password
from core.auth.rate_limits import LoginThrottle
from core.auth.tokens import ACCESS, REFRESH, TokenError, TokenSigner
from core.logging import get_logger
from core.settings import Settings
from store import identity
from store.models.core import utcnow
from store.models.identity import AuthSession, RefreshToken

log = get_logger("ductwork.auth")


class LoginRefused(Exception):
    """Wrong credentials (401 INVALID_CREDENTIALS), a tenant the user is not a member of
    (403 PERMISSION_DENIED), too many failed logins (429 RATE_LIMIT_EXCEEDED, with
    ``retry_after`` seconds) or a refresh token that cannot renew a login (401
    AUTHENTICATION_REQUIRED); the message says which."""

    def __init__(self, status: int, code: str, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None  # None: a renewal that raced another one keeps that one's token
    expires_in: int
    tenant_id: str
    login_started_at: datetime  # when the password was given; renewals keep it


async def issue(
    session: AsyncSession,
    signer: TokenSigner,
    user_id: str,
    tenant_id: str,
    auth_session: AuthSession,
    refresh_kind: str | None = REFRESH,
) -> Tokens:
    """A fresh access and refresh token of one login (refresh tokens are recorded);
    ``refresh_kind`` UI_REFRESH for a dashboard login, None for an access token alone."""
    now = utcnow()
    session_id = auth_session.id
    access = signer.issue(
        ACCESS, user_id=user_id, session_id=session_id, tenant_id=tenant_id, now=now
    )
    if refresh_kind is None:
        return Tokens(access.token, None, signer.access_seconds, tenant_id, auth_session.created_at)
    refresh = signer.issue(
        refresh_kind, user_id=user_id, session_id=session_id, tenant_id=tenant_id, now=now
    )
    await identity.add_refresh_token(
        session,
        RefreshToken(
            id=refresh.token_id,
            session_id=session_id,
            created_at=now,
            expires_at=refresh.expires_at,
        ),
    )
    # Bounded housekeeping on every login and refresh: this user's long-expired tokens and logins.
    await identity.purge_expired_logins(session, user_id, signer.purge_before(now))
    return Tokens(
        access.token, refresh.token, signer.access_seconds, tenant_id, auth_session.created_at
    )


async def log_in(
    session: AsyncSession,
    settings: Settings,
    signer: TokenSigner,
    email: str,
    password: str,
    tenant_id: str | None = None,
    *,
    throttle: LoginThrottle | None,
    address: str,
    refresh_kind: str = REFRESH,
) -> Tokens:
    """Check the password and start a login in ``tenant_id`` (default: the default tenant when
    the user is a member, else their first); LoginRefused otherwise. ``throttle`` (None: rate
    limits are off) holds a caller at ``address`` after too many failures for the account;
    ``refresh_kind`` UI_REFRESH for a dashboard login."""
    if throttle is not None and (wait := await throttle.retry_after(email, address)):
        log.warning("login refused", reason="too many failed logins", address=address)
        raise LoginRefused(
            429,
            "RATE_LIMIT_EXCEEDED",
            f"too many failed logins for this account from your address: retry after {wait}s",
            retry_after=wait,
        )
    user = await identity.user_by_email(session, email)
    # argon2 takes ~0.1 s of CPU: off the event loop, and as long for an unknown email.
    matches = await asyncio.to_thread(
        verify_password, user.password_hash if user else None, password
    )
    if user is None or not matches or not user.is_active:
        log.info("login refused", reason="credentials")
        if throttle is not None:
            await throttle.failed(email, address)
        raise LoginRefused(401, "INVALID_CREDENTIALS", "wrong email or password")
    roles = await identity.memberships(session, user.id)
    tenant = tenant_id or (
        settings.default_tenant if settings.default_tenant in roles else min(roles, default="")
    )
    if tenant not in roles:
        raise LoginRefused(403, "PERMISSION_DENIED", f"you are not a member of tenant {tenant!r}")
    verified = user.password_hash
    auth_session = await identity.start_session(
        session,
        AuthSession(id=uuid.uuid4().hex, user_id=user.id, tenant_id=tenant, created_at=utcnow()),
    )
    # A password reset or deactivation committed while the password was being checked revoked
    # the logins that existed then; this one, started after, must not outlive it.
    await session.refresh(user)
    if user.password_hash != verified or not user.is_active:
        await identity.revoke_session(session, auth_session.id, "credentials_changed")
        log.info("login refused", reason="credentials changed during login")
        raise LoginRefused(401, "INVALID_CREDENTIALS", "wrong email or password")
    log.info("login", user_id=user.id, tenant=tenant)
    return await issue(session, signer, user.id, tenant, auth_session, refresh_kind)


async def end_replaced_logins(
    session: AsyncSession, signer: TokenSigner, presented: dict[str, str | None]
) -> None:
    """End the logins that a browser's earlier tokens (``{kind: token}``) belong to, once it has
    logged in again: its new cookies replace them, so a copy of the old ones left elsewhere
    cannot renew. A token that does not decode (expired, forged) is passed over."""
    for kind, token in presented.items():
        if not token:
            continue
        try:
            claims = signer.decode(token, kind)
        except TokenError:
            continue
        await identity.revoke_session(session, claims.session_id, "replaced_by_login")
        log.info("earlier login ended by a new login", session=claims.session_id)


def _cannot_renew(message: str) -> LoginRefused:
    return LoginRefused(401, "AUTHENTICATION_REQUIRED", message)


async def refresh(
    session: AsyncSession,
    signer: TokenSigner,
    refresh_token: str,
    *,
    kind: str = REFRESH,
    started_after: datetime | None = None,
    race: timedelta | None = None,
) -> Tokens:
    """A new access and refresh token for a refresh token of ``kind``, which is spent
    (rotation): a refresh token works once, and a second use means it leaked, so the whole login
    is revoked. ``started_after``: a login begun before then is not renewed (the dashboard's
    working day). ``race``: a token spent at most this long ago was spent by a request that
    raced this one (a browser's tabs renewing at once): this one gets an access token alone,
    and the login stays. LoginRefused (401) otherwise, saying why."""
    try:
        claims = signer.decode(refresh_token, kind)
    except TokenError as exc:
        raise _cannot_renew(exc.message) from None
    token = await identity.get_refresh_token(session, claims.token_id)
    found = await identity.session_with_user(session, claims.session_id)
    if token is None or found is None or token.session_id != claims.session_id:
        raise _cannot_renew("unknown refresh token: log in again")
    auth_session, user = found
    if auth_session.revoked_at is not None:
        raise _cannot_renew("this login has ended (logged out or revoked): log in again")
    if started_after is not None and auth_session.created_at < started_after:
        raise _cannot_renew("this login has lasted as long as it may: log in again")
    rotate: str | None = kind
    if not await identity.spend_refresh_token(session, token.id, utcnow()):
        spent = await identity.get_refresh_token(session, token.id)
        spent_at = spent.used_at if spent else None
        if race is None or spent_at is None or utcnow() - spent_at > race:
            await identity.revoke_session(session, auth_session.id, "refresh_token_reuse")
            log.warning(
                "refresh token reuse; login revoked", user_id=user.id, session=auth_session.id
            )
            raise _cannot_renew(
                "this refresh token was already used: every token of this login is revoked, "
                "log in again"
            )
        rotate = None
    roles = await identity.memberships(session, user.id)
    if not user.is_active or claims.tenant_id not in roles:
        raise _cannot_renew("this user can no longer use this tenant: log in again")
    return await issue(session, signer, user.id, claims.tenant_id, auth_session, rotate)
