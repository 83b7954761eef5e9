"""Tenant isolation: another tenant's admin reaches none of our resources, on any route.

The resources are real rows of tenant "default" (a connection, a pipeline, an execution, an
alert, webhooks, a user, an API key); every route of the app's route table that names one of
them by id is called with the other tenant's admin credentials, in the other tenant, and
must answer 403 or 404 — never a success that would read, change, run or cancel it. Every
list route, read the same way, must not show any of their ids.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from store import alerts
from store import connections as connection_store
from store import pipelines as pipeline_store
from store import runs as run_store
from store.alerts import AlertKind, Severity
from store.models import Connection, Execution, Pipeline, PipelineVersion, utcnow
from tests.api.test_authorization_matrix import Endpoint, route_table
from tests.auth import BOOTSTRAP_KEY, DEFAULT_TENANT, Tenancy, anonymous_client, headers

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
async def ours(app, api_module, db, tenancy: Tenancy) -> dict[str, str]:
    """One resource of each kind in tenant "default": name → id."""
    now = utcnow()
    tag = uuid.uuid4().hex[:8]
    async with db.session() as session:
        connection = await connection_store.create(
            session,
            Connection(
                id=str(uuid.uuid4()),
                tenant_id=DEFAULT_TENANT,
                name=f"isolated-{tag}",
                type="postgresql",
                host="db.internal",
                port=5432,
                database="sales",
                created_at=now,
                updated_at=now,
            ),
        )
        pipeline = Pipeline(
            id=str(uuid.uuid4()),
            tenant_id=DEFAULT_TENANT,
            name=f"isolated-{tag}",
            tags=[],
            status="CREATED",
            created_at=now,
            updated_at=now,
        )
        version = PipelineVersion(
            pipeline_id=pipeline.id,
            number=1,
            label="1.0.0",
            definition={
                "sources": {"a": {"connection": connection.id, "table": "public.t"}},
                "sinks": {"b": {"connection": connection.id, "table": "x.t", "mode": "append"}},
            },
            created_by="tests",
            created_at=now,
        )
        await pipeline_store.create(session, pipeline, version, {connection.id})
        execution_id = f"exec-{uuid.uuid4().hex}"
        execution = await run_store.create(
            session,
            Execution(
                id=execution_id,
                tenant_id=DEFAULT_TENANT,
                pipeline_id=pipeline.id,
                pipeline_version=1,
                workflow_id=f"{DEFAULT_TENANT}/run/{execution_id}",
                status="COMPLETED",
                submitted_at=now,
                started_at=now,
                finished_at=now,
            ),
        )
        alert = await alerts.raise_alert(
            session,
            tenant_id=DEFAULT_TENANT,
            kind=AlertKind.RUN_FAILED,
            severity=Severity.HIGH,
            message="isolation test",
            pipeline_id=pipeline.id,
            execution_id=execution.id,
        )
    found = {
        "connection": connection.id,
        "pipeline": pipeline.id,
        "execution": execution.id,
        "workflow": execution.workflow_id,
        "alert": alert.id,
        "user": tenancy.members["viewer"].user_id,
    }
    key = await api_module.post("/api/v1/api-keys", json={"name": "isolation", "role": "viewer"})
    found["key"] = key.json()["id"]
    # Each webhook listens to this fixture's pipeline only, so other tests' runs never call it.
    for kind, path, body in [
        (
            "webhook_v1",
            "/api/v1/webhooks",
            {
                "url": "http://127.0.0.1:9/hook",
                "events": ["pipeline.completed"],
                "secret": "s3cret-hook",
                "pipelines": [pipeline.id],
            },
        ),
        (
            "webhook_batch",
            "/api/pipeline/webhooks",
            {"url": "http://127.0.0.1:9/hook", "events": ["SUCCESS"], "pipelines": [pipeline.id]},
        ),
    ]:
        created = await api_module.post(path, json=body)
        assert created.status_code == 201, created.text
        found[kind] = created.json()["id"]
    return found


@pytest.fixture(scope="module")
async def api_module(app):
    async with anonymous_client(app) as http:
        http.headers.update({"X-API-Key": BOOTSTRAP_KEY, "X-Tenant-ID": DEFAULT_TENANT})
        yield http


def _id_for(path: str, param: str, ours: dict[str, str]) -> str | None:
    name = param.removesuffix("_id").removesuffix("Id").lower()
    if name == "webhook":
        name = "webhook_v1" if path.startswith("/api/v1/") else "webhook_batch"
    if name == "run":
        name = "execution"
    value = ours.get(name)
    return quote(value, safe="") if value else None


def _with_our_ids(endpoint: Endpoint, ours: dict[str, str]) -> str | None:
    """The route's URL naming our resources; None if it names something we did not make."""
    url = endpoint.path
    while "{" in url:
        start, end = url.index("{"), url.index("}")
        param = url[start + 1 : end].split(":")[0]
        value = _id_for(endpoint.path, param, ours)
        if value is None:
            return None
        url = url[:start] + value + url[end + 1 :]
    return url


async def test_no_route_reaches_another_tenants_resource(
    app, anon_api, api_module, ours, other_tenant: Tenancy
):
    theirs = headers(other_tenant.admin_key, other_tenant.tenant_id)
    tried = []
    for endpoint in route_table(app):
        if "{" not in endpoint.path or endpoint.role is None:
            continue
        url = _with_our_ids(endpoint, ours)
        if url is None:
            continue
        response = await anon_api.request(endpoint.method, url, headers=theirs, json={})
        tried.append(str(endpoint))
        assert response.status_code in (400, 403, 404, 415, 422), (str(endpoint), response.text)
        # A body check came first (the dashboard's forms refuse JSON with 415): the resource
        # was not touched.
        if response.status_code in (400, 415, 422):
            assert endpoint.method in UNSAFE, (str(endpoint), response.text)
    assert any("/v1/pipelines/{pipeline_id}" in t for t in tried), tried
    assert any("executions/{execution_id}/cancel" in t for t in tried), tried
    assert any("connections/{connection_id}" in t for t in tried), tried
    # Routes of other areas, once they exist, are in the sweep too.
    declared = [str(e) for e in route_table(app)]
    for part in ("workflows/{workflow_id", "webhooks/{webhook_id}"):
        assert [d for d in declared if part in d] == [t for t in tried if part in t], part

    # Ours are still there, untouched, for their owner.
    assert (await api_module.get(f"/v1/pipelines/{ours['pipeline']}")).status_code == 200
    connection = await api_module.get(f"/v1/pipelines/connections/{ours['connection']}")
    assert connection.status_code == 200
    execution = await api_module.get(f"/v1/pipelines/executions/{ours['execution']}")
    assert execution.status_code == 200
    assert execution.json()["status"] == "COMPLETED"


async def test_no_list_shows_another_tenants_resources(app, anon_api, ours, other_tenant):
    theirs = headers(other_tenant.admin_key, other_tenant.tenant_id)
    secrets_of_ours = {v for k, v in ours.items() if k != "workflow"}
    listed = 0
    for endpoint in route_table(app):
        if endpoint.method != "GET" or "{" in endpoint.path or endpoint.role is None:
            continue
        response = await anon_api.get(endpoint.path, headers=theirs)
        if response.status_code != 200:
            continue
        listed += 1
        leaked = [v for v in secrets_of_ours if v in response.text]
        assert leaked == [], (str(endpoint), leaked)
    assert listed >= 5
