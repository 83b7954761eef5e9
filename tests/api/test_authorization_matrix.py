"""Every route of the app, read from its own route table, against every kind of wrong caller.

A route added later is in the matrix by construction: it must either be an open path
(``api.security.OPEN_PATHS``) or depend on one of the role dependencies (``Viewer``,
``Editor``, ``Admin``), and then it answers 401 without valid credentials and 403 to another
tenant's credential or to a role below the one it needs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from api.deps import ROLES, Editor, Viewer
from api.security import OPEN_PATHS
from core.auth.tokens import ACCESS, TokenSigner
from store.models.core import utcnow
from tests.api.test_errors import documented_code
from tests.auth import DEFAULT_TENANT, Tenancy, anonymous_client, headers

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as declared, with {params}
    role: str | None  # the role its dependencies require; None: none found

    @property
    def url(self) -> str:
        """The path with every parameter filled with an id that exists nowhere."""
        url = self.path
        while "{" in url:
            start, end = url.index("{"), url.index("}")
            url = url[:start] + f"no-such-{uuid.uuid4().hex[:8]}" + url[end + 1 :]
        return url

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _required_role(dependant: Dependant | None) -> str | None:
    """The role that a route's dependency tree requires (``require_role``'s marker)."""
    if dependant is None:
        return None
    role = getattr(dependant.call, "required_role", None)
    if role is not None:
        return role
    for sub in dependant.dependencies:
        if (found := _required_role(sub)) is not None:
            return found
    return None


def route_table(app: FastAPI) -> list[Endpoint]:
    endpoints = []
    for route in iter_route_contexts(app.routes):
        role = _required_role(getattr(route, "dependant", None))
        for method in sorted((route.methods or {"GET"}) - IGNORED_METHODS):
            endpoints.append(Endpoint(method, route.path, role))
    return endpoints


def unguarded(endpoints: list[Endpoint]) -> list[str]:
    """Routes that are neither open nor held to a role: each one is a hole."""
    return [str(e) for e in endpoints if e.role is None and e.path not in OPEN_PATHS]


@pytest.fixture(scope="module")
def endpoints(app) -> list[Endpoint]:
    return route_table(app)


def protected(endpoints: list[Endpoint]) -> list[Endpoint]:
    return [e for e in endpoints if e.path not in OPEN_PATHS]


@pytest.fixture
async def anon(app):
    async with anonymous_client(app) as http:
        yield http


async def _call(http: httpx.AsyncClient, endpoint: Endpoint, hdrs: dict[str, str]):
    return await http.request(endpoint.method, endpoint.url, headers=hdrs)


def test_every_route_is_open_or_needs_a_role(endpoints):
    assert len(endpoints) > 30  # the whole table was read, not one router
    assert unguarded(endpoints) == []
    assert {e.role for e in endpoints} - {None} <= set(ROLES)
    declared = {e.path for e in endpoints}
    # Everything open exists (a renamed route must not leave a stale hole behind).
    assert {"/health", "/ready", "/openapi.json", "/docs", "/api/v1/auth/login"} <= declared


def test_the_matrix_catches_a_route_without_a_role():
    router = APIRouter()

    @router.get("/v1/forgotten")
    async def forgotten() -> dict:
        return {}

    @router.get("/v1/guarded")
    async def guarded(principal: Viewer) -> dict:
        return {}

    @router.post("/v1/written")
    async def written(principal: Editor) -> dict:
        return {}

    app = FastAPI()
    app.include_router(router)
    table = route_table(app)
    assert unguarded(table) == ["GET /v1/forgotten"]
    assert {(e.path, e.role) for e in table} >= {
        ("/v1/guarded", "viewer"),
        ("/v1/written", "editor"),
    }


async def test_open_routes_stay_open(anon, endpoints):
    for endpoint in [e for e in endpoints if e.path in OPEN_PATHS]:
        response = await _call(anon, endpoint, {})
        assert response.status_code not in (401, 403), (str(endpoint), response.text)
    assert (await anon.get("/health")).status_code == 200
    document = (await anon.get("/openapi.json")).json()
    # The document says how to authenticate, and which operations need no credentials.
    assert set(document["components"]["securitySchemes"]) == {"BearerAuth", "ApiKeyAuth"}
    assert document["security"] == [{"BearerAuth": []}, {"ApiKeyAuth": []}]
    assert document["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    assert "security" not in document["paths"]["/v1/pipelines"]["get"]
    assert (await anon.get("/docs")).status_code == 200
    assert (await anon.get("/redoc")).status_code == 200


async def test_no_credential_is_401_everywhere(anon, endpoints):
    for endpoint in protected(endpoints):
        response = await _call(anon, endpoint, {"X-Tenant-ID": DEFAULT_TENANT})
        assert response.status_code == 401, (str(endpoint), response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        body = response.json()
        path = response.request.url.path
        assert body["error_code"] == documented_code(path, 401, "AUTHENTICATION_REQUIRED"), body
        assert "X-API-Key" in body["error"]["message"]
        assert body["error"]["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "credential",
    [
        {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged-signature"},
        {"Authorization": "Bearer dwk_not-a-key"},
        {"X-API-Key": "wrong-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["bad-jwt", "bad-bearer-key", "bad-x-api-key", "basic-auth"],
)
async def test_bad_credential_is_401_everywhere(anon, endpoints, credential):
    for endpoint in protected(endpoints):
        response = await _call(anon, endpoint, {**credential, "X-Tenant-ID": DEFAULT_TENANT})
        assert response.status_code == 401, (str(endpoint), response.text)
        path = response.request.url.path
        assert response.json()["error_code"] == documented_code(
            path, 401, "AUTHENTICATION_REQUIRED"
        )


async def test_expired_token_is_401_everywhere(anon, endpoints, settings, tenancy: Tenancy):
    admin = tenancy.members["admin"]
    signer = TokenSigner.from_settings(settings)
    expired = signer.issue(
        ACCESS,
        user_id=admin.user_id,
        session_id=admin.session_id,
        tenant_id=DEFAULT_TENANT,
        now=utcnow() - timedelta(seconds=signer.access_seconds + 5),
    ).token
    for endpoint in protected(endpoints):
        response = await _call(anon, endpoint, headers(expired))
        assert response.status_code == 401, (str(endpoint), response.text)
        assert "expired" in response.json()["error"]["message"]


@pytest.mark.parametrize("credential", ["token", "key"])
async def test_another_tenants_credential_is_403_everywhere(
    anon, endpoints, other_tenant: Tenancy, credential
):
    secret = other_tenant.token("admin") if credential == "token" else other_tenant.admin_key
    for endpoint in protected(endpoints):
        response = await _call(anon, endpoint, headers(secret, DEFAULT_TENANT))
        assert response.status_code == 403, (str(endpoint), response.text)
        path = response.request.url.path
        assert response.json()["error_code"] == documented_code(path, 403, "PERMISSION_DENIED")


@pytest.mark.parametrize("role", ["viewer", "editor"])
async def test_a_lower_role_is_403_where_a_higher_one_is_needed(
    anon, endpoints, tenancy: Tenancy, role
):
    above = [e for e in protected(endpoints) if ROLES.index(e.role) > ROLES.index(role)]
    assert above, f"no route needs more than {role}"
    for endpoint in above:
        response = await _call(anon, endpoint, headers(tenancy.token(role)))
        assert response.status_code == 403, (str(endpoint), response.text)
        assert f"needs the {endpoint.role} role" in response.json()["error"]["message"]


async def test_the_needed_role_gets_past_authorization(anon, endpoints, tenancy: Tenancy):
    """Reads as a viewer: never 401/403 (the ids do not exist, so 404 or 200)."""
    for endpoint in protected(endpoints):
        if endpoint.role != "viewer" or endpoint.method != "GET":
            continue
        response = await _call(anon, endpoint, headers(tenancy.token("viewer")))
        assert response.status_code not in (401, 403), (str(endpoint), response.text)
