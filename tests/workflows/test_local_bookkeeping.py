"""A run's bookkeeping as local activities: plan + record RUNNING, cleanup + record the end.

The store's projection stays what it was with separate activities: a finished run's row holds
its end (COMPLETED, FAILED, CANCELLED) before the workflow closes, so a status read served
from the store alone is right; a cleanup that fails does not hold the record back.
"""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from sqlmodel import col, select
from temporalio.client import WorkflowFailureError
from temporalio.testing import ActivityEnvironment

from activities.bookkeeping import BookkeepingActivities
from activities.plan import PlanActivities
from activities.records import RecordActivities
from activities.runtime import ActivityDeps
from activities.staging import StagingActivities
from core.secrets import Cipher
from core.settings import Settings
from store.db import Database
from store.models import Execution
from store.models.webhooks import Webhook
from tests.pipelines import (
    create_connection,
    create_pipeline,
    execute,
    fill_mixed_table,
    run_to_end,
    unique_name,
    wait_finished,
)
from tests.workflows.runs import scheduled_work, store_running_run
from tests.workflows.test_pipeline_run import _wait_task
from workflows.bookkeeping_payloads import FinishRun
from workflows.payloads import CleanupStep, RecordRun, RunStatus, StepRef


async def _pipeline(api: httpx.AsyncClient, source, table: str, source_db, target_db) -> str:
    await fill_mixed_table(source, table, 100)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    return await create_pipeline(
        api,
        unique_name("books"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )


async def test_a_run_books_itself_locally(api, client, db: Database, source, source_db, target_db):
    table = unique_name("books")
    pipeline = await _pipeline(api, source, table, source_db, target_db)
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED" and run["finishedAt"] and run["startedAt"]
    assert run["metrics"]["rowsLoaded"] == 100
    # Only the data steps go through the task queue (a plain copy's extract and load as one
    # activity); the bookkeeping ran inside the workflow task.
    scheduled, children = await scheduled_work(client, run["workflowId"])
    assert scheduled == ["extract_load"]
    assert [(t["name"], t["rows"]) for t in run["tasks"]] == [
        ("extract_rows", 100),
        ("load_wh", 100),
    ]
    async with db.session() as session:
        hooks = await session.exec(select(col(Webhook.id)).where(Webhook.tenant_id == "default"))
        has_hooks = hooks.first() is not None
    assert children == (1 if has_hooks else 0)  # NotifyWorkflow only for a tenant with webhooks


async def test_a_failed_run_is_recorded_before_its_workflow_closes(
    api, client, source, target: asyncpg.Connection, source_db, target_db
):
    table = unique_name("gone")
    pipeline = await _pipeline(api, source, table, source_db, target_db)
    await source.execute(f"DROP TABLE {table}")  # the extract fails, not the plan
    execution_id = await execute(api, pipeline)
    body = await wait_finished(api, execution_id)
    assert body["status"] == "FAILED" and body["finishedAt"]
    assert body["error"].startswith("extract_rows") and "does not exist" in body["error"]
    handle = client.get_workflow_handle(body["workflowId"])
    # The row said FAILED first; the workflow closed FAILED after it, and a read agrees.
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    described = await handle.describe()
    assert described.status is not None and described.status.name == "FAILED"
    again = (await api.get(f"/v1/pipelines/executions/{execution_id}")).json()
    assert (again["status"], again["error"]) == ("FAILED", body["error"])
    left = await target.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = '_ductwork' AND tablename LIKE $1",
        f"%{execution_id.removeprefix('exec-')[:12]}%",
    )
    assert left == []


async def test_a_cleanup_that_fails_does_not_hold_the_record_back(
    api, db: Database, settings: Settings, source, source_db, target_db
):
    pipeline = await _pipeline(api, source, unique_name("rec"), source_db, target_db)
    execution_id = f"exec-{unique_name('books')}"
    await store_running_run(db, pipeline, execution_id)
    deps = ActivityDeps(db, Cipher.from_settings(settings), settings)
    books = BookkeepingActivities(
        db, PlanActivities(deps), RecordActivities(db), StagingActivities(deps)
    )
    ref = StepRef(execution_id, "default", pipeline, "cleanup")
    finish = FinishRun(
        RecordRun(execution_id, "default", RunStatus.COMPLETED, 2, "100 rows loaded"),
        CleanupStep(ref, ["no-such-connection"], "dw_nothing_"),
    )
    finished = await ActivityEnvironment().run(books.finish_run, finish)
    assert finished.cleaned is False  # the workflow drops the staging again, as an activity
    async with db.session() as session:
        row = await session.get(Execution, execution_id)
        assert row is not None
        assert (row.status, row.finished_at is not None) == ("COMPLETED", True)
    # A retry of the same end changes nothing (the first record stands).
    assert (await ActivityEnvironment().run(books.finish_run, finish)).cleaned is False


async def test_a_cancelled_run_is_recorded_before_its_workflow_closes(
    api, client, source, source_db, target_db
):
    table = unique_name("slow")
    await fill_mixed_table(source, table, 10)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    pipeline = await create_pipeline(
        api,
        unique_name("books"),
        {
            "sources": {"rows": {"connection": src, "query": f"SELECT t.* FROM {table} t, "
                                 "pg_sleep(30) s"}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )  # fmt: skip
    execution_id = await execute(api, pipeline)
    await _wait_task(api, execution_id, "extract_rows")
    cancelled = await api.post(f"/v1/pipelines/executions/{execution_id}/cancel")
    assert cancelled.status_code == 202, cancelled.text
    body = await wait_finished(api, execution_id)
    assert body["status"] == "CANCELLED" and body["finishedAt"]
    described = await client.get_workflow_handle(body["workflowId"]).describe()
    assert described.status is not None and described.status.name == "CANCELED"
    again = (await api.get(f"/v1/pipelines/executions/{execution_id}")).json()
    assert again["status"] == "CANCELLED"
