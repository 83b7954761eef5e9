"""A failed ``approve`` check pauses the run before loading: approve → load, reject → fail."""

from __future__ import annotations

import asyncio

import httpx

from tests.pipelines import execute, wait_finished
from tests.workflows.test_quality_and_transforms import _payments, _payments_pipeline, _pipeline

CHECKS = [
    {"name": "review_big", "type": "range", "column": "amount", "max": 100, "severity": "approve"},
    {"name": "fresh_enough", "type": "freshness", "column": "paid_at", "max_age": "7d"},
]


async def _pending(api: httpx.AsyncClient, workflow_id: str) -> dict:
    for _ in range(400):
        body = (await api.get(f"/v1/pipelines/workflows/{workflow_id}/status")).json()
        if (body.get("approval") or {}).get("status") == "PENDING":
            return body
        await asyncio.sleep(0.05)
    raise TimeoutError(body)


async def _decide(api: httpx.AsyncClient, workflow_id: str, approved: bool, reason: str):
    return await api.post(
        f"/v1/pipelines/workflows/{workflow_id}/signal",
        json={
            "signalName": "approval",
            "data": {"approved": approved, "approvedBy": "steward@acme.com", "reason": reason},
        },
    )


async def test_approved_run_loads_and_rejected_run_fails_with_the_reason(
    api, source, target, source_db, target_db
):
    table = await _payments(source)
    out = f"wh.{table}"
    pipeline = await _pipeline(api, source_db, target_db, _payments_pipeline(table, out, CHECKS))

    execution = await execute(api, pipeline)
    run = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
    status = await _pending(api, run["workflowId"])
    assert "review_big: 1 rows with amount above the maximum 100" in status["approval"]["subject"]
    paused = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
    assert paused["status"] == "RUNNING" and paused["progress"]["currentTask"] == "approval"
    assert await target.fetchval("SELECT to_regclass($1)", out) is None  # nothing loaded yet

    approved = await _decide(api, run["workflowId"], True, "big refund, known")
    assert approved.status_code == 200, approved.text
    done = await wait_finished(api, execution)
    assert done["status"] == "COMPLETED", done
    assert await target.fetchval(f"SELECT count(*) FROM {out}") == done["metrics"]["rowsLoaded"] > 0
    again = await _decide(api, run["workflowId"], False, "changed my mind")
    assert again.status_code == 409

    await target.execute(f"DROP TABLE {out}")
    execution = await execute(api, pipeline)
    run = (await api.get(f"/v1/pipelines/executions/{execution}")).json()
    await _pending(api, run["workflowId"])
    rejected = await _decide(api, run["workflowId"], False, "amounts look wrong")
    assert rejected.status_code == 200, rejected.text
    done = await wait_finished(api, execution)
    assert done["status"] == "FAILED", done
    assert "rejected by steward@acme.com: amounts look wrong" in done["error"]
    assert await target.fetchval("SELECT to_regclass($1)", out) is None
