"""/api/v1/auth (AI-ETL platform API): log in, refresh (rotating, reuse revokes the login), log
out."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import SessionDep, SettingsDep, Viewer
from api.errors import ApiError
from api.security import guard_of
from api.surfaces.platform.schemas.identity import (
    LoginIn,
    LogoutIn,
    MeOut,
    PasswordChangeIn,
    RefreshIn,
    TokenOut,
)
from core.auth.passwords import hash_password, verify_password, weak_password_reason
from core.auth.tokens import ACCESS, REFRESH, TokenError, TokenSigner
from core.logging import get_logger
from store import identity
from store.models.core import utcnow
from store.models.identity import AuthSession, RefreshToken

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
log = get_logger("ductwork.auth")


def get_signer(request: Request) -> TokenSigner:
    return guard_of(request).signer


SignerDep = Annotated[TokenSigner, Depends(get_signer)]


def _refused(message: str) -> ApiError:
    return ApiError(401, "AUTHENTICATION_REQUIRED", message)


async def _issue(
    session: AsyncSession, signer: TokenSigner, user_id: str, tenant_id: str, session_id: str
) -> TokenOut:
    now = utcnow()
    access = signer.issue(
        ACCESS, user_id=user_id, session_id=session_id, tenant_id=tenant_id, now=now
    )
    refresh = signer.issue(
        REFRESH, user_id=user_id, session_id=session_id, tenant_id=tenant_id, now=now
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
    return TokenOut(
        access_token=access.token,
        refresh_token=refresh.token,
        expires_in=signer.access_seconds,
    )


@router.post("/login", response_model=TokenOut)
async def login(
    body: LoginIn, session: SessionDep, settings: SettingsDep, signer: SignerDep
) -> TokenOut:
    user = await identity.user_by_email(session, body.email)
    password = body.password.get_secret_value()
    # argon2 takes ~0.1 s of CPU: off the event loop, and as long for an unknown email.
    matches = await asyncio.to_thread(
        verify_password, user.password_hash if user else None, password
    )
    if user is None or not matches or not user.is_active:
        log.info("login refused", reason="credentials")
        raise ApiError(401, "INVALID_CREDENTIALS", "wrong email or password")
    roles = await identity.memberships(session, user.id)
    tenant = body.tenant_id or (
        settings.default_tenant if settings.default_tenant in roles else min(roles, default="")
    )
    if tenant not in roles:
        raise ApiError(403, "PERMISSION_DENIED", f"you are not a member of tenant {tenant!r}")
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
        raise ApiError(401, "INVALID_CREDENTIALS", "wrong email or password")
    log.info("login", user_id=user.id, tenant=tenant)
    return await _issue(session, signer, user.id, tenant, auth_session.id)


@router.post("/refresh", response_model=TokenOut)
async def refresh(body: RefreshIn, session: SessionDep, signer: SignerDep) -> TokenOut:
    try:
        claims = signer.decode(body.refresh_token, REFRESH)
    except TokenError as exc:
        raise _refused(exc.message) from None
    token = await identity.get_refresh_token(session, claims.token_id)
    found = await identity.session_with_user(session, claims.session_id)
    if token is None or found is None or token.session_id != claims.session_id:
        raise _refused("unknown refresh token: log in again")
    auth_session, user = found
    if auth_session.revoked_at is not None:
        raise _refused("this login has ended (logged out or revoked): log in again")
    if not await identity.spend_refresh_token(session, token.id, utcnow()):
        # A refresh token works once: a second use means it leaked, so the whole login goes.
        await identity.revoke_session(session, auth_session.id, "refresh_token_reuse")
        log.warning("refresh token reuse; login revoked", user_id=user.id, session=auth_session.id)
        raise _refused(
            "this refresh token was already used: every token of this login is revoked, "
            "log in again"
        )
    roles = await identity.memberships(session, user.id)
    if not user.is_active or claims.tenant_id not in roles:
        raise _refused("this user can no longer use this tenant: log in again")
    return await _issue(session, signer, user.id, claims.tenant_id, auth_session.id)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    principal: Viewer, session: SessionDep, signer: SignerDep, body: LogoutIn | None = None
) -> Response:
    """End the login of the access token (its refresh tokens stop working, and it does too)."""
    ended = {principal.session_id} if principal.session_id else set()
    if body is not None and body.refresh_token:
        try:
            claims = signer.decode(body.refresh_token, REFRESH)
        except TokenError as exc:
            raise _refused(exc.message) from None
        if principal.user_id is not None and claims.user_id == principal.user_id:
            ended.add(claims.session_id)
    for session_id in ended:
        await identity.revoke_session(session, session_id, "logout")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=MeOut)
async def me(principal: Viewer, session: SessionDep) -> MeOut:
    tenants = (
        await identity.memberships(session, principal.user_id)
        if principal.user_id
        else {principal.tenant_id: next(iter(principal.roles))}
    )
    return MeOut(
        subject=principal.subject,
        kind=principal.kind,
        tenant_id=principal.tenant_id,
        role=next(iter(principal.roles)),
        user_id=principal.user_id,
        tenants=tenants,
    )


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChangeIn, principal: Viewer, session: SessionDep
) -> Response:
    """A user changes their own password; their other logins end."""
    user = await identity.get_user(session, principal.user_id) if principal.user_id else None
    if user is None:
        raise ApiError(400, "NOT_A_USER", "only a user logged in with a password can change it")
    current = body.current_password.get_secret_value()
    if not await asyncio.to_thread(verify_password, user.password_hash, current):
        raise ApiError(403, "INVALID_CREDENTIALS", "the current password is wrong")
    new = body.new_password.get_secret_value()
    if reason := weak_password_reason(new):
        raise ApiError(422, "WEAK_PASSWORD", reason)
    user.password_hash = await asyncio.to_thread(hash_password, new)
    user.updated_at = utcnow()
    await identity.save_user(
        session, user, end_logins="password_changed", keep=principal.session_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
