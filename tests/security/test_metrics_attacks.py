"""Attacks on ``GET /metrics``: no token, an empty, wrong, truncated or differently presented
scrape token; a viewer or an editor; an admin of tenant A looking for tenant B's label values
(its own tenant header, B's tenant header, B's ids in request paths that would become labels).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from tests import auth
from tests.security.kit import pending_approval

SCRAPE = "scrape-" + uuid.uuid4().hex


@dataclass
class Tenants:
    a: str
    b: str
    keys: dict[str, str]  # role -> key of tenant A


@pytest.fixture
def scrape_token(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    previous = settings.telemetry
    settings.telemetry = previous.model_copy(update={"metrics_token": SecretStr(SCRAPE)})
    try:
        yield SCRAPE
    finally:
        settings.telemetry = previous


@pytest.fixture(scope="module")
async def tenants(app, db) -> Tenants:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    a, b = f"ma-{tag}", f"mb-{tag}"
    keys = {role: await auth.make_key(db, a, role) for role in ("viewer", "editor", "admin")}
    await auth.make_key(db, b, "admin")
    async with db.session() as session:
        session.add(pending_approval(a, "metrics label check"))
        session.add(pending_approval(b, "metrics label check"))
        await session.commit()
    return Tenants(a, b, keys)


def _label(tenant: str) -> str:
    return f'tenant="{tenant}"'


WRONG = {
    "none": {},
    "empty bearer": {"Authorization": "Bearer "},
    "bearer only": {"Authorization": "Bearer"},
    "wrong": {"Authorization": "Bearer wrong-" + uuid.uuid4().hex},
    "truncated": {"Authorization": f"Bearer {SCRAPE[:-1]}"},
    "longer": {"Authorization": f"Bearer {SCRAPE}x"},
    "basic": {"Authorization": f"Basic {SCRAPE}"},
    "as an api key": {"X-API-Key": SCRAPE},
    "in the query": {},
    "bearer None": {"Authorization": "Bearer None"},
}


@pytest.mark.parametrize("case", sorted(WRONG))
async def test_a_wrong_or_missing_scrape_token_reads_nothing(
    anon_api, scrape_token: str, tenants: Tenants, case: str
):
    params = {"token": SCRAPE} if case == "in the query" else None
    response = await anon_api.get("/metrics", headers=WRONG[case], params=params)
    assert response.status_code == 401, (case, response.status_code, response.text[:300])
    assert "ductwork_" not in response.text


async def test_with_no_scrape_token_configured_an_empty_bearer_reads_nothing(
    anon_api, settings, tenants: Tenants
):
    assert settings.telemetry.metrics_token is None
    for value in ("Bearer ", "Bearer None", "Bearer null", "Bearer  "):
        response = await anon_api.get("/metrics", headers={"Authorization": value})
        assert response.status_code == 401, (value, response.text[:300])


async def test_the_scrape_token_reads_every_tenant(anon_api, scrape_token: str, tenants: Tenants):
    response = await anon_api.get("/metrics", headers={"Authorization": f"Bearer {scrape_token}"})
    assert response.status_code == 200, response.text[:300]
    assert _label(tenants.a) in response.text and _label(tenants.b) in response.text


@pytest.mark.parametrize("role", ["viewer", "editor"])
async def test_a_viewer_or_an_editor_cannot_read_metrics(anon_api, tenants: Tenants, role: str):
    response = await anon_api.get("/metrics", headers=auth.headers(tenants.keys[role], tenants.a))
    assert response.status_code == 403, response.text[:300]
    assert "ductwork_" not in response.text


async def test_an_admin_sees_no_other_tenants_label_values(
    anon_api, scrape_token: str, tenants: Tenants
):
    key = tenants.keys["admin"]
    # B's name in request paths: a label holds the route's template, never the raw path.
    for path in (
        f"/v1/pipelines/{tenants.b}",
        f"/api/pipeline/status/{tenants.b}",
        f"/{tenants.b}",
    ):
        await anon_api.get(path, headers=auth.headers(key, tenants.a))
    own = await anon_api.get("/metrics", headers=auth.headers(key, tenants.a))
    assert own.status_code == 200, own.text[:300]
    assert _label(tenants.a) in own.text
    assert tenants.b not in own.text
    assert "temporal_" not in own.text  # the process's SDK metrics are the operator's
    # Naming B in the tenant header gives no access to B.
    other = await anon_api.get("/metrics", headers=auth.headers(key, tenants.b))
    assert other.status_code == 403, other.text[:300]
    assert tenants.b not in other.text or "ductwork_" not in other.text
    scraped = await anon_api.get("/metrics", headers={"Authorization": f"Bearer {scrape_token}"})
    assert f"/v1/pipelines/{tenants.b}" not in scraped.text
    assert f'route="/{tenants.b}"' not in scraped.text


async def test_the_scrape_token_opens_metrics_only(anon_api, scrape_token: str, tenants: Tenants):
    bearer = {"Authorization": f"Bearer {scrape_token}", "X-Tenant-ID": tenants.a}
    for path in ("/v1/pipelines", "/api/v1/auth/me", "/api/pipeline/runs", "/ui/runs", "/metrics/"):
        response = await anon_api.get(path, headers=bearer)
        assert response.status_code in (401, 404), (path, response.status_code, response.text)
