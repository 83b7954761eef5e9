"""The dashboard's login cookie, its CSRF tokens and its form posts.

The access token of a login lives in an HttpOnly, SameSite=Strict cookie of path ``/ui``
(``api.security`` reads it on the dashboard's paths only). Every state-changing post of a
cookie login carries a CSRF token bound to that token (an HMAC keyed by it), so only a page the
dashboard rendered for this login can post; the login form itself is guarded by a random
token sent both as a cookie and as a field (double submit). Callers with an Authorization or
X-API-Key header carry no ambient credential, so their posts need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response

from api.errors import ApiError
from api.security import UI_PREFIX, UI_SESSION_COOKIE

LOGIN_COOKIE = "ductwork_ui_login"
"""The login form's double-submit token (path /ui/login)."""
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MAX_FORM_BYTES = 64 * 1024


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_login(request: Request, response: Response, access_token: str, seconds: int) -> None:
    response.set_cookie(
        UI_SESSION_COOKIE,
        access_token,
        max_age=seconds,
        path=UI_PREFIX,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def clear_login(response: Response) -> None:
    response.delete_cookie(UI_SESSION_COOKIE, path=UI_PREFIX, httponly=True, samesite="strict")


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def set_login_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=f"{UI_PREFIX}/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def login_token_matches(request: Request, sent: str) -> bool:
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    return bool(expected and sent) and hmac.compare_digest(expected, sent)


def via_cookie(request: Request) -> bool:
    """True when the request's credential is the dashboard's cookie (no credential header)."""
    return not request.headers.get("Authorization") and not request.headers.get("X-API-Key")


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's cookie login ("" without one)."""
    token = request.cookies.get(UI_SESSION_COOKIE)
    if not token or not via_cookie(request):
        return ""
    return hmac.new(token.encode(), b"ductwork-ui-csrf", hashlib.sha256).hexdigest()


async def read_form(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form post (first value of each), at most 64 KiB."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ApiError(413, "FORM_TOO_LARGE", "the form is larger than 64 KiB")
    content_type = request.headers.get("content-type", "")
    if body and not content_type.startswith("application/x-www-form-urlencoded"):
        raise ApiError(
            415, "UNSUPPORTED_MEDIA_TYPE", "post the form as application/x-www-form-urlencoded"
        )
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode(errors="replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


async def checked_form(request: Request) -> dict[str, str]:
    """The post's fields, once its CSRF token is the login's (cookie logins only); else 403."""
    fields = await read_form(request)
    if via_cookie(request):
        expected = csrf_token(request)
        sent = fields.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
        if not expected or not hmac.compare_digest(expected, sent):
            raise ApiError(
                403,
                "CSRF_FAILED",
                "this form's security token is missing or stale: reload the page and try again",
            )
    return fields


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
"""A state-changing post's fields; declare it after the role dependency (Editor, Admin)."""


def safe_next(target: str | None, default: str) -> str:
    """A redirect target inside the dashboard only (never another host)."""
    if target and target.startswith(UI_PREFIX + "/") and "//" not in target and "\\" not in target:
        return target
    return default
