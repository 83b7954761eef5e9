"""Who is calling, in which tenant, and whether their plan allows one more request.

One middleware authenticates every request (X-API-Key, or ``Authorization: Bearer`` with a
JWT or an API key; on the dashboard's paths, its login cookie), picks the tenant (the
X-Tenant-ID header, required on ``/v1``; else the credential's own), counts the request
against the tenant's plan (callers without valid credentials: against their address,
``client_address``) and puts the result on ``request.state.principal``. Role checks stay in
the route dependencies (``api.deps``). Every path needs credentials except ``OPEN_PATHS``
(and the paths under ``OPEN_PREFIXES``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.deps import Principal
from api.errors import error_body
from core.auth import keys
from core.auth.proxies import TrustedProxies
from core.auth.rate_limits import Decision, LoginThrottle, RateLimiter
from core.auth.tokens import ACCESS, TokenError, TokenSigner
from core.logging import get_logger
from store import identity
from store.models.core import utcnow

log = get_logger("ductwork.api")

OPEN_PATHS = frozenset(
    {
        "/health",
        "/ready",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
        "/v1/schemas/pipeline-definition",  # documentation, like /openapi.json: editors fetch it
        "/v1/schemas/asset-pipeline-definition",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/",  # redirects to the dashboard
        "/ui/login",  # the dashboard's login form (GET) and its post (POST)
        "/ui/static",  # the dashboard's CSS and scripts: this mount and every path under it
    }
)
"""Served without credentials; the authorization matrix test holds every other route to a role."""

OPEN_PREFIXES = ("/ui/static/",)
"""Paths under these are open too (a mount of static files)."""

UI_PREFIX = "/ui"
UI_SESSION_COOKIE = "ductwork_ui"
"""The dashboard's login: an access token in an HttpOnly, SameSite=Strict cookie of path /ui,
read only on the dashboard's own paths (elsewhere only headers count)."""


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def on_dashboard(path: str) -> bool:
    return path == UI_PREFIX or path.startswith(UI_PREFIX + "/")


METRICS_PATH = "/metrics"


def presents_scrape_token(request: Request) -> bool:
    """Whether the request carries ``DUCTWORK_TELEMETRY__METRICS_TOKEN`` as its bearer token."""
    expected = request.app.state.settings.telemetry.metrics_token
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    token = token.strip()
    return (
        expected is not None
        and bool(expected.get_secret_value())
        and scheme.lower() == "bearer"
        and bool(token)
        and keys.same_secret(token, expected.get_secret_value())
    )


PROBE_PATHS = frozenset({"/health", "/ready"})  # never throttled, nor authenticated
DOCUMENT_PATHS = frozenset(
    {
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
        "/v1/schemas/pipeline-definition",
        "/v1/schemas/asset-pipeline-definition",
    }
)
"""Never throttled either: the documents a client reads before its first call."""
CREDENTIAL_EXCHANGES = frozenset({"/api/v1/auth/login", "/api/v1/auth/refresh", "/ui/login"})
"""Not counted against the caller's address (everyone behind one NAT would share it): a failed
login is counted by ``LoginThrottle`` per account and address instead, a successful one costs
nothing, and a refresh token cannot be guessed."""
KEY_TOUCH_SECONDS = 60.0  # how stale an API key's last_used_at may get, to spare writes
PLAN_CACHE_SECONDS = 30.0


class AuthProblem(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _unauthorized(message: str) -> AuthProblem:
    return AuthProblem(401, "AUTHENTICATION_REQUIRED", message)


@dataclass(frozen=True)
class Identity:
    """A verified credential: who, and their role in each tenant they belong to."""

    subject: str
    kind: str  # user, api_key, bootstrap
    home_tenant: str
    roles: dict[str, str]  # tenant id → role
    user_id: str | None = None
    session_id: str | None = None


class Guard:
    """Per-app state of the middleware: the token signer, the rate limiter, a plan cache and
    the proxies trusted to name the client."""

    def __init__(
        self, signer: TokenSigner, limiter: RateLimiter | None, proxies: TrustedProxies
    ) -> None:
        self.signer = signer
        self.limiter = limiter
        self.login_throttle = (
            LoginThrottle(limiter.settings, limiter.storage) if limiter is not None else None
        )
        self.proxies = proxies
        self._plans: dict[str, tuple[float, str | None]] = {}

    async def plan_of(self, request: Request, tenant_id: str) -> str | None:
        cached = self._plans.get(tenant_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        async with request.app.state.db.session() as session:
            tenant = await identity.get_tenant(session, tenant_id)
        plan = tenant.plan if tenant else None
        self._plans[tenant_id] = (time.monotonic() + PLAN_CACHE_SECONDS, plan)
        return plan


def guard_of(request: Request) -> Guard:
    guard = getattr(request.app.state, "guard", None)
    if guard is None:
        settings = request.app.state.settings
        limiter = RateLimiter(settings.rate_limit) if settings.rate_limit.enabled else None
        proxies = TrustedProxies(settings.auth.trusted_proxies, settings.auth.proxy_header)
        guard = request.app.state.guard = Guard(
            TokenSigner.from_settings(settings), limiter, proxies
        )
    return guard


def client_address(request: Request) -> str:
    """The caller's address, the one way to get it: the connection's peer, or the client a
    trusted proxy names (``AuthSettings.trusted_proxies``); uvicorn runs without proxy headers.
    """
    peer = request.client.host if request.client else None
    return guard_of(request).proxies.client(peer, request.headers)


async def authenticate(request: Request, guard: Guard) -> Identity | None:
    """The caller's identity; None without credentials; AuthProblem for bad ones."""
    api_key = request.headers.get("X-API-Key")
    authorization = request.headers.get("Authorization")
    if authorization:  # it wins over X-API-Key when a client sends both
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("use 'Authorization: Bearer <token or API key>' or 'X-API-Key'")
        if keys.looks_like_jwt(token):
            return await _user(request, guard, token)
        api_key = token
    if api_key is None:
        cookie = request.cookies.get(UI_SESSION_COOKIE)
        if cookie and on_dashboard(request.url.path) and not is_open(request.url.path):
            return await _user(request, guard, cookie)
        return None
    return await _api_key(request, api_key.strip())


async def _user(request: Request, guard: Guard, token: str) -> Identity:
    try:
        claims = guard.signer.decode(token, ACCESS)
    except TokenError as exc:
        raise _unauthorized(exc.message) from None
    async with request.app.state.db.session() as session:
        found = await identity.session_with_user(session, claims.session_id)
        if found is None or found[1].id != claims.user_id:
            raise _unauthorized("the access token's session does not exist: log in again")
        auth_session, user = found
        if auth_session.revoked_at is not None:
            raise _unauthorized("the session of this access token has ended: log in again")
        if not user.is_active:
            raise _unauthorized("this user is deactivated")
        roles = await identity.memberships(session, user.id)
    return Identity(user.email, "user", claims.tenant_id, roles, user.id, auth_session.id)


async def _api_key(request: Request, api_key: str) -> Identity:
    settings = request.app.state.settings
    bootstrap = settings.auth.bootstrap_api_key
    if bootstrap is not None and keys.same_secret(api_key, bootstrap.get_secret_value()):
        tenant = settings.default_tenant
        return Identity("api-key:bootstrap", "bootstrap", tenant, {tenant: "admin"})
    now = utcnow()
    async with request.app.state.db.session() as session:
        row = await identity.key_by_digest(session, keys.digest(api_key))
        if row is None:
            raise _unauthorized("the API key is not valid")
        if row.revoked_at is not None:
            raise _unauthorized("the API key has been revoked")
        if row.expires_at is not None and row.expires_at <= now:
            raise _unauthorized("the API key has expired")
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > KEY_TOUCH_SECONDS:
            await identity.touch_key(session, row, now)
    return Identity(f"api-key:{row.id}", "api_key", row.tenant_id, {row.tenant_id: row.role})


def select_tenant(request: Request, who: Identity) -> tuple[str, str]:
    """The tenant of this request and the caller's role in it."""
    header = request.headers.get("X-Tenant-ID")
    path = request.url.path
    if header is None or not header.strip():
        if path == "/v1" or path.startswith("/v1/"):
            raise AuthProblem(
                400,
                "TENANT_REQUIRED",
                "the X-Tenant-ID header is required on /v1 routes: send the id of your tenant",
            )
        tenant = who.home_tenant
    else:
        tenant = header.strip()
    role = who.roles.get(tenant)
    if role is None:
        raise AuthProblem(
            403, "PERMISSION_DENIED", f"the credential does not give access to tenant {tenant!r}"
        )
    return tenant, role


def _reject(request: Request, problem: AuthProblem, decision: Decision | None) -> JSONResponse:
    response = JSONResponse(
        error_body(request, problem.status, problem.code, problem.message),
        status_code=problem.status,
    )
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ductwork"'
    if decision is not None:
        response.headers.update(decision.headers())
    return response


def _too_many(request: Request, decision: Decision) -> JSONResponse:
    message = (
        f"rate limit of your plan exceeded ({decision.limit} requests per hour and a burst "
        f"limit per second): retry after {decision.retry_after}s"
    )
    return _reject(request, AuthProblem(429, "RATE_LIMIT_EXCEEDED", message), decision)


class GuardRequests(HttpMiddleware):
    """The middleware: authenticate, pick the tenant, count, then call the route."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        refused, headers = await _admit(request)
        if refused is not None:
            await refused(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start" and headers:
                MutableHeaders(scope=message).update(headers)
            await send(message)

        principal = request.state.principal
        if principal is None:
            await self.app(scope, receive, counted)
            return
        # Every log line of the request names the tenant and the caller (never a credential).
        structlog.contextvars.bind_contextvars(
            tenant_id=principal.tenant_id, actor=principal.subject
        )
        try:
            await self.app(scope, receive, counted)
        finally:
            structlog.contextvars.unbind_contextvars("tenant_id", "actor")


async def _admit(request: Request) -> tuple[Response | None, dict[str, str]]:
    """The request's principal on its state, and the rate limit's headers for its answer; or
    the answer that refuses it (401, 403, 429)."""
    path = request.url.path
    if path in PROBE_PATHS:
        request.state.principal = None
        return None, {}
    if path == METRICS_PATH and presents_scrape_token(request):
        request.state.principal = None  # the operator's scrape job: no tenant, every tenant
        request.state.scraper = True
        return None, {}
    guard = guard_of(request)
    # Behind a trusted proxy, URLs built from the request (pagination links) keep its scheme.
    peer = request.client.host if request.client else None
    if scheme := guard.proxies.scheme(peer, request.headers):
        request.scope["scheme"] = scheme
    open_path = is_open(path)
    principal = problem = None
    try:
        who = await authenticate(request, guard)
        if who is not None:
            tenant, role = select_tenant(request, who)
            principal = Principal(
                who.subject,
                tenant,
                frozenset({role}),
                kind=who.kind,
                user_id=who.user_id,
                session_id=who.session_id,
            )
        elif not open_path:
            problem = _unauthorized(
                "credentials are required: send 'Authorization: Bearer <token>' "
                "(POST /api/v1/auth/login) or 'X-API-Key: <key>'"
            )
    except AuthProblem as exc:
        if not open_path:  # open routes ignore a bad credential
            problem = exc

    decision = None
    metered = path not in DOCUMENT_PATHS and path not in CREDENTIAL_EXCHANGES
    if guard.limiter is not None and metered:
        if principal is not None:
            bucket, plan = (
                f"tenant:{principal.tenant_id}",
                await guard.plan_of(request, principal.tenant_id),
            )
        else:
            bucket = f"address:{client_address(request)}"
            plan = request.app.state.settings.rate_limit.anonymous_plan
        try:
            decision = await guard.limiter.hit(bucket, plan)
        except Exception as exc:  # e.g. Redis down: serve unmetered rather than fail every call
            log.warning("rate limiter unavailable", error=f"{type(exc).__name__}: {exc}")
        if decision is not None and not decision.allowed:
            log.warning("rate limited", bucket=bucket, path=path)
            return _too_many(request, decision), {}
    if problem is not None:
        return _reject(request, problem, decision), {}
    request.state.principal = principal
    return None, decision.headers() if decision is not None else {}


def document_security(app: FastAPI) -> None:
    """Describe the credentials in the OpenAPI document (/docs gets its Authorize button)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = {
            "BearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "an access token of POST /api/v1/auth/login, or an API key",
            },
            "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
        schema["security"] = [{"BearerAuth": []}, {"ApiKeyAuth": []}]
        for path, operations in schema.get("paths", {}).items():
            if path in OPEN_PATHS:
                for operation in operations.values():
                    operation["security"] = []
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
