"""Webhook deliveries of finished runs: signed, retried until delivered, given up, logged."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from temporalio.client import Client

from core import temporal
from core.secrets import Cipher
from domain.webhooks import signing
from store.db import Database
from store.models.core import Execution, Pipeline, utcnow
from store.models.webhooks import Webhook
from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    run_to_end,
    unique_name,
)
from tests.replay.recording import record
from tests.webhook_receiver import receiving
from workflows.notify import NotifyWorkflow
from workflows.notify_payloads import NotifyInput, NotifyResult

SECRET = "whsec-notify-test-5d1e"


def _definition(src: str, dst: str, table: str, checks: list | None = None) -> dict:
    return {
        "sources": {"rows": {"connection": src, "table": table}},
        "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        "quality_checks": checks or [{"type": "row_count", "min": 1}],
    }


async def _deliveries(api: httpx.AsyncClient, path: str, settled: bool = True) -> list[dict]:
    """The delivery log once every delivery has settled (DELIVERED or FAILED)."""
    deadline = time.monotonic() + 30
    while True:
        response = await api.get(path)
        assert response.status_code == 200, response.text
        deliveries = response.json()["deliveries"]
        if not settled or (deliveries and all(d["status"] != "PENDING" for d in deliveries)):
            return deliveries
        if time.monotonic() > deadline:
            raise TimeoutError(f"deliveries still pending: {deliveries}")
        await asyncio.sleep(0.1)


async def test_completed_run_is_delivered_signed_on_the_third_attempt(
    api, client: Client, source, source_db, target_db
):
    table = unique_name("hooked")
    await fill_mixed_table(source, table, 50)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    name = unique_name("notified")
    with receiving([500, 503]) as receiver:
        created = await api.post(
            "/api/v1/webhooks",
            json={
                "url": receiver.url,
                "events": ["pipeline.completed", "pipeline.failed"],
                "secret": SECRET,
                "pipelines": [name],
            },
        )
        assert created.status_code == 201, created.text
        hook = created.json()["id"]
        try:
            pipeline = await create_pipeline(api, name, _definition(src, dst, table))
            run = await run_to_end(api, pipeline)
            assert run["status"] == "COMPLETED", run
            received = await receiver.wait_for(3)
            deliveries = await _deliveries(api, f"/api/v1/webhooks/{hook}/deliveries")
        finally:
            await api.delete(f"/api/v1/webhooks/{hook}")

    # Three attempts of one delivery, each signed in the header and in the body.
    assert len(received) == 3
    assert {r.headers[signing.DELIVERY_HEADER] for r in received} == {deliveries[0]["id"]}
    for request in received:
        assert request.headers[signing.EVENT_HEADER] == "pipeline.completed"
        assert signing.verify_body(SECRET, request.body, request.headers[signing.SIGNATURE_HEADER])
        assert signing.verify_payload(SECRET, request.json())
        assert not signing.verify_body(
            "wrong-secret", request.body, request.headers[signing.SIGNATURE_HEADER]
        )
    payload = received[-1].json()
    assert payload["event"] == "pipeline.completed"
    assert payload["data"]["pipeline_id"] == pipeline
    assert payload["data"]["run_id"] == run["executionId"]
    assert payload["data"]["status"] == "success"
    assert payload["data"]["duration_seconds"] >= 0
    assert payload["timestamp"].endswith("Z")
    assert SECRET not in received[-1].body.decode()

    # The delivery log: three attempts, two failures then the delivery.
    [delivery] = deliveries
    assert delivery["status"] == "DELIVERED"
    assert delivery["run_id"] == run["executionId"]
    assert delivery["attempts"] == 3
    assert [a["status_code"] for a in delivery["history"]] == [500, 503, 200]
    assert [a["error"] for a in delivery["history"]] == ["HTTP 500", "HTTP 503", None]

    # The notification is its own workflow, findable by tenant and kind.
    notify = client.get_workflow_handle_for(
        NotifyWorkflow.run, temporal.workflow_id("notify", "default", run["executionId"])
    )
    result = await notify.result()
    assert result == NotifyResult(delivered=1)
    described = await notify.describe()
    assert described.typed_search_attributes.get(temporal.KIND) == "notify"
    assert described.typed_search_attributes.get(temporal.TENANT) == "default"
    await record(notify, "notify_delivered_on_third_attempt")
    parent = client.get_workflow_handle(temporal.workflow_id("run", "default", run["executionId"]))
    await record(parent, "pipeline_run_completed_notified")


async def test_seed2_webhook_hears_failures_of_its_pipelines_only(
    api, source, source_db, target_db
):
    table = unique_name("hooked2")
    await fill_mixed_table(source, table, 20)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    watched = unique_name("watched")
    with receiving() as receiver:
        created = await api.post(
            "/api/pipeline/webhooks",
            json={"url": receiver.url, "events": ["FAILURE"], "pipelines": [watched]},
        )
        assert created.status_code == 201, created.text
        hook, secret = created.json()["id"], created.json()["secret"]
        try:
            failing = _definition(src, dst, table, [{"type": "row_count", "max": 1}])
            ok = await create_pipeline(api, watched, _definition(src, dst, table))
            bad = await create_pipeline(api, f"{watched}-x", failing)  # not in the filter
            assert (await run_to_end(api, ok))["status"] == "COMPLETED"  # SUCCESS: not asked
            assert (await run_to_end(api, bad))["status"] == "FAILED"
            # A new version of the watched pipeline fails.
            changed = await api.put(f"/v1/pipelines/{ok}", json={"definition": failing})
            assert changed.status_code == 200, changed.text
            failed = await run_to_end(api, ok)
            assert failed["status"] == "FAILED"
            [request] = await receiver.wait_for(1)
            deliveries = await _deliveries(api, f"/api/pipeline/webhooks/{hook}/deliveries")
        finally:
            await api.delete(f"/api/pipeline/webhooks/{hook}")
    await asyncio.sleep(0.3)
    assert len(receiver.received) == 1
    body = request.json()
    assert signing.verify_payload(secret, body)
    assert signing.verify_body(secret, request.body, request.headers[signing.SIGNATURE_HEADER])
    assert {k: body[k] for k in ("event", "run_id", "pipeline", "status")} == {
        "event": "PIPELINE_FAILED",
        "run_id": failed["executionId"],
        "pipeline": watched,
        "status": "FAILURE",
    }
    assert "error" not in body and "message" not in body  # error text may quote row data
    assert [(d["event"], d["status"], d["attempts"]) for d in deliveries] == [
        ("FAILURE", "DELIVERED", 1)
    ]


async def _run_rows(db: Database, cipher: Cipher, tenant: str, url: str) -> tuple[str, str, str]:
    """A finished run and a webhook of a fresh tenant, written straight to the store."""
    now = utcnow()
    pipeline = Pipeline(
        id=f"pl-{uuid.uuid4().hex}",
        tenant_id=tenant,
        name=unique_name("p"),
        status="ACTIVE",
        created_at=now,
        updated_at=now,
    )
    execution = Execution(
        id=f"ex-{uuid.uuid4().hex}",
        tenant_id=tenant,
        pipeline_id=pipeline.id,
        pipeline_version=1,
        workflow_id=f"{tenant}/run/x",
        status="FAILED",
        submitted_at=now,
        started_at=now,
        finished_at=now,
    )
    hook = Webhook(
        id=f"whk_{uuid.uuid4().hex}",
        tenant_id=tenant,
        surface="v1",
        url=url,
        events=["pipeline.failed"],
        secret_encrypted=cipher.encrypt(SECRET),
        created_by="test",
        created_at=now,
    )
    async with db.session() as session:
        session.add(pipeline)
        await session.commit()
        session.add(execution)
        session.add(hook)
        await session.commit()
    return pipeline.id, execution.id, hook.id


async def test_a_receiver_that_keeps_failing_is_given_up_and_logged(
    api, client: Client, new_worker, db: Database, cipher: Cipher, settings
):
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    with receiving([500] * 10) as receiver:
        pipeline, execution, hook = await _run_rows(db, cipher, tenant, receiver.url)
        async with new_worker() as queue:
            result = await client.execute_workflow(
                NotifyWorkflow.run,
                NotifyInput(tenant, execution, pipeline, "FAILED"),
                id=temporal.workflow_id("notify", tenant, execution),
                task_queue=queue,
            )
    assert result == NotifyResult(failed=1)
    assert len(receiver.received) == settings.webhooks.max_attempts
    from store import webhooks as webhook_store

    async with db.session() as session:
        row = await session.get(Webhook, hook)
        [(delivery, attempts)], total = await webhook_store.deliveries_page(session, row, 0, 10)
    assert total == 1
    assert delivery.status == "FAILED"
    assert delivery.attempts == settings.webhooks.max_attempts
    assert [a.status_code for a in attempts] == [500] * settings.webhooks.max_attempts


async def test_a_refused_address_is_not_retried(client: Client, new_worker, db, cipher):
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    # Stored before a policy change: the policy is checked again before every delivery.
    pipeline, execution, hook = await _run_rows(db, cipher, tenant, "http://10.1.2.3/hook")
    async with new_worker() as queue:
        result = await client.execute_workflow(
            NotifyWorkflow.run,
            NotifyInput(tenant, execution, pipeline, "FAILED"),
            id=temporal.workflow_id("notify", tenant, execution),
            task_queue=queue,
        )
    assert result == NotifyResult(failed=1)
    from store import webhooks as webhook_store

    async with db.session() as session:
        row = await session.get(Webhook, hook)
        [(delivery, attempts)], _ = await webhook_store.deliveries_page(session, row, 0, 10)
    assert delivery.status == "FAILED"
    assert len(attempts) == 1
    assert attempts[0].status_code is None
    assert "URL refused" in attempts[0].error


async def test_cancelled_and_unwatched_runs_notify_nobody(client: Client, new_worker, db, cipher):
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    with receiving() as receiver:
        pipeline, execution, _ = await _run_rows(db, cipher, tenant, receiver.url)
        async with new_worker() as queue:
            for status in ("CANCELLED", "COMPLETED"):  # the hook wants pipeline.failed only
                result = await client.execute_workflow(
                    NotifyWorkflow.run,
                    NotifyInput(tenant, execution, pipeline, status),
                    id=temporal.workflow_id("notify", tenant, f"{execution}-{status}"),
                    task_queue=queue,
                )
                assert result == NotifyResult()
    assert receiver.received == []
