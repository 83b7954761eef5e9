"""ductwork_client.AsyncClient against the API (ASGI transport, real worker): every method."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from ductwork_client import (
    AsyncClient,
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

from domain.status import RunStatus
from store import runs as run_store
from store.models import RunLog, utcnow
from tests import auth
from tests.pipeline_rows import pipeline_row
from tests.pipelines import copy_pipeline, unique_name
from tests.run_rows import run_row


@pytest.fixture
async def dw(app) -> AsyncIterator[AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with AsyncClient(auth.BOOTSTRAP_KEY, "http://ductwork.test", transport=transport) as c:
        yield c


@pytest.fixture
async def pipeline_id(api: httpx.AsyncClient, source, source_db, target_db) -> str:
    table = unique_name("client")
    await source.execute(f"CREATE TABLE {table} AS SELECT g AS id FROM generate_series(1, 40) g")
    return await copy_pipeline(api, source_db, target_db, {"table": table}, label="client")


async def test_pipelines_and_runs(dw: AsyncClient, pipeline_id: str):
    assert await dw.tenant() == auth.DEFAULT_TENANT
    listed = await dw.pipelines.list(size=200)
    assert pipeline_id in {p.pipeline_id for p in listed.items} and listed.total >= 1
    pipeline = await dw.pipelines.get(pipeline_id)
    assert pipeline.definition and "sources" in pipeline.definition

    run = await dw.pipelines.handle(pipeline_id).run(params={})
    finished = await run.wait(poll_seconds=0.2, within=60)
    assert finished.status == "COMPLETED" and finished.rows == 40
    status = await run.get_status()
    assert str(status.status).upper() in ("COMPLETED", "SUCCESS", "SUCCEEDED")
    assert (await dw.runs.get(run.id)).execution_id == run.id
    runs = await dw.runs.list(pipeline_id=pipeline_id)
    assert [r.execution_id for r in runs.items] == [run.id]
    logs = await run.logs()
    assert any("finished" in line.message for line in logs)
    assert all(line.task == "load_wh" for line in await dw.runs.logs(run.id, task="load_wh"))

    again = await dw.pipelines.execute(pipeline_id)
    with contextlib.suppress(Conflict):  # a run that ended first answers 409
        await again.cancel()
    assert (await again.wait(poll_seconds=0.2, within=60)).finished


async def test_create_from_a_definition(dw: AsyncClient, api, source_db, target_db):
    from tests.pipelines import create_connection

    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    definition = {
        "sources": {"rows": {"connection": src, "query": "SELECT 1 AS one"}},
        "sinks": {"wh": {"connection": dst, "table": f"wh.{unique_name('made')}"}},
    }
    created = await dw.pipelines.create(unique_name("made"), definition)
    name = (await dw.pipelines.get(created.id)).name
    assert name and name.startswith("made_")


async def test_connections(dw: AsyncClient, api, source_db):
    from tests.pipelines import create_connection

    connection_id = await create_connection(api, source_db, unique_name("conn"))
    listed = await dw.connections.list(size=100)
    assert listed.total >= 1 and len(listed.items) <= 100
    pages = [await dw.connections.list(page=p, size=100) for p in range(listed.total // 100 + 1)]
    assert connection_id in {c.connection_id for page in pages for c in page.items}
    tested = await dw.connections.test(connection_id)
    assert tested.connected and tested.version


async def test_approvals_list_and_unknown_decision(dw: AsyncClient):
    assert isinstance(await dw.approvals.list(), list)
    with pytest.raises(NotFound) as caught:
        await dw.approvals.approve("no-such-request", reason="x")
    assert caught.value.status == 404 and caught.value.body["error"]["code"]


async def test_errors_are_typed_and_carry_the_body(app, dw: AsyncClient, tenancy):
    with pytest.raises(NotFound) as missing:
        await dw.runs.get("exec-does-not-exist")
    assert missing.value.code and missing.value.message
    with pytest.raises(ValidationFailed) as invalid:
        await dw.pipelines.create("", {"sources": {}})
    assert invalid.value.status in (400, 422) and invalid.value.details
    transport = httpx.ASGITransport(app=app)
    async with AsyncClient("not-a-key", "http://ductwork.test", transport=transport) as bad:
        with pytest.raises(AuthenticationFailed):
            await bad.pipelines.list()
    viewer = AsyncClient(tenancy.token("viewer"), "http://ductwork.test", transport=transport)
    async with viewer:
        with pytest.raises(PermissionDenied):
            await viewer.approvals.approve("anything")


async def test_login_with_email_and_password(app, tenancy):
    transport = httpx.ASGITransport(app=app)
    member = tenancy.members["editor"]
    logged_in = await AsyncClient.login(
        member.email, auth.PASSWORD, "http://ductwork.test", transport=transport
    )
    async with logged_in:
        assert await logged_in.tenant() == auth.DEFAULT_TENANT


async def test_logs_after_a_cursor(dw: AsyncClient, db):
    pipeline_id = await pipeline_row(db, auth.DEFAULT_TENANT, unique_name("client-logs"))
    run_id = await run_row(db, pipeline_id, RunStatus.COMPLETED)
    async with db.session() as session:
        await run_store.add_logs(
            session,
            [
                RunLog(execution_id=run_id, ts=utcnow(), level="INFO", task="run", message=f"{i}")
                for i in range(5)
            ],
        )
    plain = await dw.runs.logs(run_id, lines=2)
    assert [line.message for line in plain] == ["3", "4"] and plain[0].id is None
    first = await dw.runs.handle(run_id).logs(lines=3, after=0)
    assert [line.message for line in first] == ["0", "1", "2"]
    rest = await dw.runs.logs(run_id, after=first[-1].id)
    assert [line.message for line in rest] == ["3", "4"]
    assert await dw.runs.logs(run_id, after=rest[-1].id) == []
