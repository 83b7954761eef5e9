"""Lifecycle: an approval holds for what was approved, and for nothing else.

A production deployment pins the version that was approved: its Temporal Schedule runs that
version after an editor saves a new one, after an editor deploys the new one elsewhere and
after an editor changes the schedule's timing. Environment names have one spelling: any case
or surrounding whitespace of an approval environment still waits for its approval.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow

from core.settings import Settings
from services import deployments
from tests import auth
from tests.pipelines import create_connection, create_pipeline, unique_name, wait_finished

pytestmark = pytest.mark.postgres

PRODUCTION_SPELLINGS = ("Production", " PRODUCTION ", "production\t", "\u00a0production\n")


async def _poll(probe, what: str, within: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {within}s")
        await asyncio.sleep(0.1)


@pytest.fixture
async def editor(app: Any, tenancy: auth.Tenancy) -> AsyncIterator[httpx.AsyncClient]:
    """The API as an editor of tenant "default" (``api`` is its admin)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ductwork.test",
        headers=auth.headers(tenancy.token("editor")),
    ) as client:
        yield client


@pytest.fixture
async def pipeline(
    api: httpx.AsyncClient, source: asyncpg.Connection, source_db: str, target_db: str
) -> dict[str, Any]:
    """A 3-row pipeline whose version 1 loads ``wh.<table>_v1``."""
    table = f"pin_{uuid.uuid4().hex[:8]}"
    await source.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, amount numeric)")
    await source.execute(f"INSERT INTO {table} VALUES (1, 10), (2, 20), (3, 30)")
    src = await create_connection(api, source_db, unique_name("pin-src"))
    dst = await create_connection(api, target_db, unique_name("pin-dst"))
    definition = {
        "sources": {"rows": {"connection": src, "table": table}},
        "sinks": {"wh": {"connection": dst, "table": f"wh.{table}_v1", "mode": "replace"}},
    }
    pipeline_id = await create_pipeline(api, unique_name("pinned"), definition)
    return {"id": pipeline_id, "table": table, "definition": definition}


async def _status(api: httpx.AsyncClient, workflow_id: str) -> dict:
    response = await api.get(f"/v1/pipelines/workflows/{workflow_id}/status")
    assert response.status_code == 200, response.text
    return response.json()


async def _closed(api: httpx.AsyncClient, workflow_id: str) -> dict:
    async def probe() -> dict | None:
        body = await _status(api, workflow_id)
        return body if body["status"] != "RUNNING" else None

    return await _poll(probe, f"workflow {workflow_id} to close")


async def _deploy(
    client: httpx.AsyncClient, pipeline_id: str, environment: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api",
        json={"environment": environment, **body},
    )


async def _approve_production(api: httpx.AsyncClient, pipeline_id: str, cron: str) -> dict:
    response = await _deploy(api, pipeline_id, "production", schedule=cron)
    assert response.status_code == 202, response.text
    workflow_id = response.json()["details"]["workflow_id"]

    async def pending() -> dict | None:
        body = await _status(api, workflow_id)
        return body if body.get("approval") else None

    await _poll(pending, "the approval request")
    decided = await api.post(
        f"/v1/pipelines/workflows/{workflow_id}/signal",
        json={
            "signalName": "approval",
            "data": {"approved": True, "approvedBy": "cab@acme.com", "reason": "v1 reviewed"},
        },
    )
    assert decided.status_code == 200, decided.text
    final = await _closed(api, workflow_id)
    assert final["status"] == "COMPLETED", final
    return response.json()["details"]


def _action_input(described: Any) -> dict:
    """The ScheduledRunInput a schedule's action hands its workflow."""
    [payload] = described.schedule.action.args
    return json.loads(payload.data)


async def test_an_approved_production_schedule_runs_the_approved_version(
    api: httpx.AsyncClient,
    editor: httpx.AsyncClient,
    client: Client,
    pipeline: dict[str, Any],
    target: asyncpg.Connection,
):
    pipeline_id, table = pipeline["id"], pipeline["table"]
    deployed = await _approve_production(api, pipeline_id, "0 6 * * *")
    assert deployed["version"] == 1 and deployed["environment"] == "production"

    # An editor saves version 2, which loads another table.
    v2 = json.loads(json.dumps(pipeline["definition"]))
    v2["sinks"]["wh"]["table"] = f"wh.{table}_v2"
    saved = await editor.put(f"/v1/pipelines/{pipeline_id}", json={"definition": v2})
    assert saved.status_code == 200, saved.text
    assert saved.json()["versionNumber"] == 2

    # Version 2 needs a production deployment of its own, which an editor cannot start.
    for spelling in ("production", *PRODUCTION_SPELLINGS):
        refused = await _deploy(editor, pipeline_id, spelling)
        assert refused.status_code == 403, (spelling, refused.text)
        assert refused.json()["error_code"] == "FORBIDDEN"  # the AI-ETL pipelines API's 403
    # The editor deploys version 2 to staging, with a schedule: staging gets its own schedule.
    staged = await _deploy(editor, pipeline_id, "staging", schedule="30 7 * * *")
    assert staged.status_code == 200, staged.text
    assert staged.json()["details"]["version"] == 2

    rows = (await api.get(f"/v1/pipelines/schedules?pipelineId={pipeline_id}")).json()["content"]
    by_cron = {s["cronExpression"]: s for s in rows}
    assert set(by_cron) == {"0 6 * * *", "30 7 * * *"}, rows
    production = by_cron["0 6 * * *"]
    handle = client.get_schedule_handle(production["temporalScheduleId"])
    assert _action_input(await handle.describe())["version"] == 1
    staging = client.get_schedule_handle(by_cron["30 7 * * *"]["temporalScheduleId"])
    assert _action_input(await staging.describe())["version"] == 2

    # The editor changes the production schedule's timing: the version stays pinned.
    moved = await editor.put(
        f"/v1/pipelines/schedules/{production['scheduleId']}", json={"cronExpression": "0 5 * * *"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["cronExpression"] == "0 5 * * *"
    assert _action_input(await handle.describe())["version"] == 1

    # The schedule fires (Temporal takes its action now): the run executes version 1.
    await handle.trigger()

    async def fired():  # type: ignore[no-untyped-def]
        return (await handle.describe()).info.recent_actions

    [action] = await _poll(fired, "the schedule to take its action")
    assert isinstance(action.action, ScheduleActionExecutionStartWorkflow)
    started = await client.get_workflow_handle(action.action.workflow_id).result()
    assert started["execution_id"], started
    run = await wait_finished(api, started["execution_id"], within=60)
    assert run["status"] == "COMPLETED", run
    assert run["pipelineVersion"] == 1, run
    assert await target.fetchval(f"SELECT count(*) FROM wh.{table}_v1") == 3
    assert await target.fetchval(f"SELECT to_regclass('wh.{table}_v2')") is None


def test_approval_environments_match_whatever_the_spelling(settings: Settings):
    for spelling in ("production", *PRODUCTION_SPELLINGS):
        assert deployments.needs_approval(settings, spelling), repr(spelling)
        assert deployments.environment_name(spelling) == "production"
    assert not deployments.needs_approval(settings, "staging")
    lifecycle = settings.lifecycle.model_copy(update={"approval_environments": [" PROD "]})
    loose = settings.model_copy(update={"lifecycle": lifecycle})
    assert deployments.needs_approval(loose, "prod") and deployments.needs_approval(loose, "Prod\t")
    assert not deployments.needs_approval(loose, "production")
    for invalid in ("", "   ", "prod\u200buction", "prod/uction", "x" * 65):
        with pytest.raises(ValueError):
            deployments.environment_name(invalid)


async def test_every_spelling_of_production_waits_for_approval_and_staging_does_not(
    api: httpx.AsyncClient, editor: httpx.AsyncClient, pipeline: dict[str, Any]
):
    pipeline_id = pipeline["id"]
    for spelling in PRODUCTION_SPELLINGS:
        refused = await _deploy(editor, pipeline_id, spelling)
        assert refused.status_code == 403, (spelling, refused.text)
        response = await _deploy(api, pipeline_id, spelling)
        assert response.status_code == 202, (spelling, response.text)
        assert response.json()["status"] == "pending_approval"
        details = response.json()["details"]
        assert details["environment"] == "production"
        # One environment: a second spelling finds the first deployment still waiting.
        again = await _deploy(api, pipeline_id, "PRODUCTION")
        assert again.status_code == 409 and again.json()["error_code"] == "DEPLOYMENT_IN_PROGRESS"
        cancelled = await api.post(f"/v1/pipelines/workflows/{details['workflow_id']}/cancel")
        assert cancelled.status_code == 202, cancelled.text
        assert (await _closed(api, details["workflow_id"]))["status"] == "CANCELED"

    for refused in ("prod\u200buction", "   "):
        invalid = await _deploy(api, pipeline_id, refused)
        assert invalid.status_code == 400, (refused, invalid.text)  # request validation

    staged = await _deploy(editor, pipeline_id, " Staging ")
    assert staged.status_code == 200, staged.text
    assert staged.json()["status"] == "deployed"
    assert staged.json()["details"]["environment"] == "staging"
