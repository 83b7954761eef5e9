"""One bad stored row never breaks a list: every list endpoint of every surface answers (never
a 5xx) for a tenant whose store holds hostile names and broken definitions written straight into
the store (as an older release, a migration or a hand edit could leave them). Saving such a name
through the API is refused with a 422 that says what to fix."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import select

from store.models import Connection, Execution, Pipeline, PipelineVersion, RunStep, utcnow
from tests.auth import make_key
from tests.pipelines import create_connection, create_pipeline, run_to_end

pytestmark = pytest.mark.postgres

# Names that a stored row may hold although the API refuses them now: quotes of every SQL
# dialect, a statement separator, a newline and a NUL-free control character, a dot inside a
# quoted part, non-ASCII, and a 200-character name.
HOSTILE_TABLES = [
    'sales.or"ders',
    'sales."x""; DROP TABLE t; --"',
    "a.b.c.d",
    "sales.line\nbreak",
    "`tick`.tab",
    "",
]
HOSTILE_NAMES = ['quo"te', "semi;colon --", "new\nline", "tab\tbell\x07", "ünïcødé-名前", "x" * 200]


@dataclass
class Hostile:
    http: httpx.AsyncClient
    tenant_id: str
    good_id: str
    src: str
    dst: str


async def _store_hostile_rows(db, tenant_id: str, src: str, dst: str) -> None:
    """Pipelines and connections that the API would refuse, written straight into the store."""
    now = utcnow()
    async with db.session() as session:
        definitions: list[Any] = [
            {
                "sources": {"rows": {"connection": src, "table": "public.t"}},
                "sinks": {"out": {"connection": dst, "table": table}},
            }
            for table in HOSTILE_TABLES
        ] + [
            {},  # nothing at all
            {"sources": {}, "sinks": {}},
            {"sources": "not an object", "sinks": ["nor", "this"]},
            {"sources": {"rows": {"connection": "no-such-connection", "table": "t"}}, "sinks": {}},
            {"sources": {"rows": None}, "sinks": {"out": {"table": None}}},
            ["not", "a", "definition"],
            "nor this",
        ]
        for i, definition in enumerate(definitions):
            pipeline_id = str(uuid.uuid4())
            session.add(
                Pipeline(
                    id=pipeline_id,
                    tenant_id=tenant_id,
                    name=HOSTILE_NAMES[i % len(HOSTILE_NAMES)] + f"-{i}",
                    tags=["hostile", 'ta"g'],
                    status="ACTIVE" if i % 2 else "PAUSED",
                    created_at=now,
                    updated_at=now,
                )
            )
            await session.flush()
            # A finished run of it, whose step, error and parameters hold hostile text too.
            execution_id = f"exec-{uuid.uuid4().hex}"
            session.add(
                Execution(
                    id=execution_id,
                    tenant_id=tenant_id,
                    pipeline_id=pipeline_id,
                    pipeline_version=1,
                    workflow_id=f"{tenant_id}/run/{execution_id}",
                    status="FAILED",
                    parameters={'k"ey': HOSTILE_NAMES[i % len(HOSTILE_NAMES)], "n": None},
                    error=HOSTILE_NAMES[(i + 1) % len(HOSTILE_NAMES)],
                    submitted_at=now,
                    started_at=now,
                    finished_at=now,
                )
            )
            await session.flush()
            session.add(
                RunStep(
                    execution_id=execution_id,
                    name=HOSTILE_NAMES[(i + 2) % len(HOSTILE_NAMES)],
                    kind="extract",
                    status="FAILED",
                    error='quo"te\nline',
                    started_at=now,
                    finished_at=now,
                )
            )
            session.add(
                PipelineVersion(
                    pipeline_id=pipeline_id,
                    number=1,
                    label="1.0.0",
                    definition=definition,
                    created_by="a hand edit",
                    created_at=now,
                )
            )
        for i, name in enumerate(HOSTILE_NAMES):
            session.add(
                Connection(
                    id=str(uuid.uuid4()),
                    tenant_id=tenant_id,
                    name=name,
                    type=["jdbc", "no-such-type", "postgresql", "mysql", "", "files"][i],
                    host=name,
                    port=0,
                    database=name,
                    username=name,
                    properties={"sslMode": name, 'k"ey': [name]},
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.commit()


@pytest.fixture
async def hostile(app, db, source, source_db, target_db) -> AsyncIterator[Hostile]:
    tenant_id = f"hostile-{uuid.uuid4().hex[:8]}"
    key = await make_key(db, tenant_id)
    table = f"h_{uuid.uuid4().hex[:8]}"
    await source.execute(
        f"CREATE TABLE public.{table} AS SELECT g AS id FROM generate_series(1, 3) g"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://ductwork.test",
        headers={"X-API-Key": key, "X-Tenant-ID": tenant_id},
    ) as http:
        src = await create_connection(http, source_db, "src")
        dst = await create_connection(http, target_db, "dst")
        definition = {
            "sources": {"rows": {"connection": src, "table": f"public.{table}"}},
            "sinks": {"out": {"connection": dst, "table": f"{table}.copy", "mode": "replace"}},
        }
        good_id = await create_pipeline(http, "good", definition)
        assert (await run_to_end(http, good_id))["status"] == "COMPLETED"
        await _store_hostile_rows(db, tenant_id, src, dst)
        yield Hostile(http, tenant_id, good_id, src, dst)


def _list_endpoints(app) -> list[str]:
    """Every GET route of every surface without a path parameter or a required query
    parameter: the lists (and the other collection reads) of all five surfaces."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        required = [
            p for p in get.get("parameters", []) if p.get("required") and p["in"] == "query"
        ]
        if not required:
            found.append(path)
    return found


async def test_every_list_endpoint_survives_hostile_stored_rows(app, hostile):
    paths = _list_endpoints(app)
    surfaces = {"/v1/", "/api/v1/pipelines", "/api/v1/", "/api/pipeline/", "/connections"}
    assert all(any(p.startswith(s) for p in paths) for s in surfaces), paths
    pipeline_lists = [
        "/v1/pipelines?page=0&size=100",
        "/v1/pipelines?tags=hostile",
        "/v1/pipelines/executions",
        f"/v1/pipelines/executions?pipelineId={hostile.good_id}",
        "/v1/pipelines/monitoring/metrics?period=30d",
        "/api/v1/pipelines?per_page=100",
        "/api/pipeline/runs?limit=100",
        "/connections",
        "/pipelines",
        "/pipelines?only_enabled=true",
        "/connections?only_enabled=true",
        "/history?limit=100",
    ]
    failed = {}
    for path in [*paths, *pipeline_lists]:
        response = await hostile.http.get(path)
        if response.status_code >= 500:
            failed[path] = response.text[:300]
    assert not failed, sorted(failed)
    # The lists that show pipelines still show the good one next to the bad rows.
    for path in ("/connections", "/pipelines"):
        names = [item["name"] for item in (await hostile.http.get(path)).json()]
        assert "good" in names, (path, names)
    # Running one of them is refused with a 4xx that says why, on every surface that runs them.
    bad = HOSTILE_NAMES[0] + "-0"
    for method, path in (
        ("POST", f"/connections/{bad}/run"),
        ("POST", f"/connections/{bad}/run_async"),
        ("GET", f"/connections/{bad}/status"),
        ("POST", f"/api/pipeline/trigger/{bad}"),
    ):
        response = await hostile.http.request(method, path)
        if response.status_code >= 500:
            failed[path] = response.text[:300]
    assert not failed, sorted(failed)
    listed = (await hostile.http.get("/v1/pipelines?size=100")).json()
    assert hostile.good_id in [p["pipelineId"] for p in listed["content"]], listed
    connections = (await hostile.http.get("/v1/pipelines/connections?size=100")).json()
    assert {"src", "dst"} <= {c["name"] for c in connections["content"]}, connections


async def test_each_hostile_pipeline_is_shown_or_refused_never_a_5xx(db, hostile):
    """The reads and the run of one such pipeline, on every surface that has them."""
    async with db.session() as session:
        rows = list(
            await session.exec(select(Pipeline).where(Pipeline.tenant_id == hostile.tenant_id))
        )
    failed: dict[str, list[str]] = {}
    for row in rows:
        for method, path in (
            ("GET", "/v1/pipelines/{id}"),
            ("GET", "/v1/pipelines/{id}/lineage"),
            ("GET", "/v1/pipelines/{id}/cost?period=30d"),
            ("GET", "/v1/pipelines/monitoring/metrics?pipelineId={id}&period=7d"),
            ("GET", "/api/v1/pipelines/{id}"),
            ("GET", "/api/v1/pipelines/{id}/versions"),
            ("POST", "/v1/pipelines/{id}/execute"),
        ):
            if method == "POST" and row.id == hostile.good_id:
                continue  # it runs, as it should
            response = await hostile.http.request(
                method, path.format(id=row.id), json={} if method == "POST" else None
            )
            if response.status_code >= 500:
                failed.setdefault(path, []).append(row.name)
            elif method == "POST":
                assert response.status_code == 409, response.text
                assert response.json()["error_code"] == "INVALID_STORED_DEFINITION"
    assert not failed, failed


@pytest.mark.parametrize("table", HOSTILE_TABLES[:5])
async def test_hostile_table_names_are_refused_when_saved(hostile, table):
    definition = {
        "sources": {"rows": {"connection": hostile.src, "table": "public.t"}},
        "sinks": {"out": {"connection": hostile.dst, "table": table}},
    }
    created = await hostile.http.post(
        "/v1/pipelines", json={"name": f"bad-{uuid.uuid4().hex[:6]}", "definition": definition}
    )
    assert created.status_code in (400, 422), created.text
    assert "table" in created.text
    updated = await hostile.http.put(
        f"/v1/pipelines/{hostile.good_id}", json={"definition": definition}
    )
    assert updated.status_code in (400, 422), updated.text
    # Nothing was half-written: the good pipeline keeps its definition.
    current = (await hostile.http.get(f"/v1/pipelines/{hostile.good_id}")).json()
    assert current["definition"]["sinks"]["out"]["table"].endswith(".copy"), current
