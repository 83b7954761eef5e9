"""Dependencies injected into routes with ``Annotated[..., Depends(...)]``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.errors import ApiError
from core.secrets import Cipher
from core.settings import Settings

ROLES = ("viewer", "editor", "admin")
"""Each role can do everything the roles before it can."""


@dataclass(frozen=True)
class Principal:
    """Who calls, in which tenant, with which roles (set by ``api.security``'s middleware)."""

    subject: str
    tenant_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    kind: str = "user"  # user, api_key, bootstrap (DATAPIPELINES_API_KEY)
    user_id: str | None = None
    session_id: str | None = None  # the login of a user's access token

    def has_role(self, role: str) -> bool:
        rank = ROLES.index(role)
        return any(r in ROLES and ROLES.index(r) >= rank for r in self.roles)


# The dependencies are coroutines, even those that do no I/O: FastAPI runs a plain function
# in its thread pool, a hop per dependency on every request.


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_client(request: Request) -> Client:
    return request.app.state.temporal


async def get_cipher(request: Request) -> Cipher:
    return request.app.state.cipher


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.session() as session:
        yield session


def get_principal(request: Request) -> Principal:
    """The caller that ``api.security.GuardRequests`` authenticated for this request."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise ApiError(401, "AUTHENTICATION_REQUIRED", "credentials are required")
    return principal


def require_role(role: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits callers holding ``role`` (or a higher one), else 403."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    async def dependency(request: Request) -> Principal:
        principal = get_principal(request)
        if not principal.has_role(role):
            raise ApiError(403, "PERMISSION_DENIED", f"this action needs the {role} role")
        return principal

    # mypy does not model attributes set on a function; the authorization matrix reads this one.
    dependency.required_role = role  # type: ignore[attr-defined]
    return dependency


@dataclass(frozen=True)
class PageParams:
    """The pipeline service API's zero-based ``page`` and ``size``."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        return self.page * self.size


async def get_page(
    # Bounded: an offset past 64 bits is a 500 from the database, not an empty page.
    page: Annotated[int, Query(ge=0, le=1_000_000, description="zero-based page number")] = 0,
    size: Annotated[int, Query(ge=1, le=500, description="items per page")] = 20,
) -> PageParams:
    return PageParams(page, size)


LogCursor = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**63 - 1,
        description="only lines after this one (a line's id; 0: from the first), oldest first, "
        "at most `lines` of them; each line then has its id and the answer `next_after`",
    ),
]
"""The ``after`` cursor of the run log endpoints (``store.runs.logs``)."""

OnePage = Annotated[int, Query(ge=1, le=1_000_000, description="one-based page number")]
"""The snake_case surfaces' one-based ``page`` (bounded: an offset past 64 bits is a 500)."""


@dataclass(frozen=True)
class PerPageParams:
    """The snake_case surfaces' one-based ``page`` and ``per_page``."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def get_per_page(default: int = 20) -> Callable[..., Awaitable[PerPageParams]]:
    """The one-based ``page``/``per_page`` dependency; ``default`` is the page size when omitted."""

    async def dependency(
        page: OnePage = 1,
        per_page: Annotated[int, Query(ge=1, le=500, description="items per page")] = default,
    ) -> PerPageParams:
        return PerPageParams(page, per_page)

    return dependency


async def get_tags(
    tags: Annotated[
        list[str] | None, Query(description="all of these tags (repeat or comma)")
    ] = None,
) -> list[str]:
    """``?tags=a,b`` and ``?tags=a&tags=b`` alike."""
    return [t.strip() for tag in tags or [] for t in tag.split(",") if t.strip()]


TagsDep = Annotated[list[str], Depends(get_tags)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClientDep = Annotated[Client, Depends(get_client)]
CipherDep = Annotated[Cipher, Depends(get_cipher)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
Viewer = Annotated[Principal, Depends(require_role("viewer"))]
"""Reads: every route that only looks."""
Editor = Annotated[Principal, Depends(require_role("editor"))]
"""Creates, changes, runs and cancels."""
Admin = Annotated[Principal, Depends(require_role("admin"))]
"""Manages users, keys, production deployments and approvals."""
PageDep = Annotated[PageParams, Depends(get_page)]
PerPageDep = Annotated[PerPageParams, Depends(get_per_page())]
"""One-based ``page`` and ``per_page`` (default 20), for ``api.pagination.paged_per_page``."""
