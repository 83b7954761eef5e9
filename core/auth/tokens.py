"""Access and refresh tokens (the API's and the dashboard's): HS256 JWTs (pyjwt) signed with the
key from the settings."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from core.settings import Settings

ISSUER = "ductwork"
ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"
UI_REFRESH = "ui_refresh"
"""A dashboard login's refresh token: only the dashboard renews with it (the API's refresh
refuses it, and the dashboard refuses the API's)."""
_REQUIRED = ["exp", "iat", "iss", "sub", "typ", "sid", "tid", "jti"]
# How long after it expires a refresh token (and then a login left without one) is kept.
PURGE_GRACE = timedelta(days=1)


class TokenError(Exception):
    """A token that is not valid (anymore); the message says which and what to do."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.expired = expired


@dataclass(frozen=True)
class Claims:
    user_id: str
    session_id: str
    tenant_id: str
    token_id: str
    expires_at: datetime


@dataclass(frozen=True)
class Issued:
    token: str
    token_id: str
    expires_at: datetime


class TokenSigner:
    def __init__(self, key: bytes, *, access_seconds: int, refresh_seconds: int) -> None:
        self._key = key
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenSigner:
        secret = settings.auth.jwt_secret
        key = (
            secret.get_secret_value().encode()
            if secret is not None
            else _load_or_create_key(settings.data_dir / "jwt.key")
        )
        return cls(
            key,
            access_seconds=settings.auth.access_token_seconds,
            refresh_seconds=settings.auth.refresh_token_seconds,
        )

    def issue(
        self, kind: str, *, user_id: str, session_id: str, tenant_id: str, now: datetime
    ) -> Issued:
        seconds = self.access_seconds if kind == ACCESS else self.refresh_seconds
        expires_at = now + timedelta(seconds=seconds)
        token_id = uuid.uuid4().hex
        claims = {
            "iss": ISSUER,
            "sub": user_id,
            "typ": kind,
            "sid": session_id,
            "tid": tenant_id,
            "jti": token_id,
            "iat": now,
            "exp": expires_at,
        }
        return Issued(jwt.encode(claims, self._key, algorithm=ALGORITHM), token_id, expires_at)

    def purge_before(self, now: datetime) -> datetime:
        """Refresh tokens that expired before this can go: none can be presented anymore, and
        no access token of a login whose refresh tokens all expired that early is still valid.
        """
        return now - max(PURGE_GRACE, timedelta(seconds=self.access_seconds))

    def mac(self, purpose: str, value: str) -> str:
        """An HMAC of ``value`` for one ``purpose``, keyed by the signing key: a value only
        this server can compute (e.g. the dashboard's CSRF token of a login)."""
        message = f"{purpose}\0{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def decode(self, token: str, kind: str) -> Claims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": _REQUIRED},
            )
        except jwt.ExpiredSignatureError:
            hint = "refresh it with POST /api/v1/auth/refresh" if kind == ACCESS else "log in again"
            raise TokenError(f"the {kind} token has expired: {hint}", expired=True) from None
        except jwt.InvalidTokenError:
            raise TokenError(f"the {kind} token is not valid (bad signature or format)") from None
        if claims["typ"] != kind:
            raise TokenError(f"a {claims['typ']} token was sent where a {kind} token is needed")
        return Claims(
            user_id=str(claims["sub"]),
            session_id=str(claims["sid"]),
            tenant_id=str(claims["tid"]),
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )


def _load_or_create_key(path: Path) -> bytes:
    """Development only (production requires a configured key): one key file per data dir."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then linked into place: a racing process sees no file or a full one.
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            tmp.unlink()
    return path.read_text().strip().encode()
