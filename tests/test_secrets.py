"""Secrets never leak: not in any API response, log line, workflow history or webhook body.

A real API process and a real worker (their output kept in files) run pipelines whose
connections carry a distinctive password, with a webhook whose secret is just as distinctive;
then every response, every log line and every decoded workflow history is searched for both.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from core import temporal
from core.webhooks import signing
from tests.pipelines import decoded_history, fill_mixed_table
from tests.service_processes import Services
from tests.services import PG_HOST, PG_PORT, PG_USER
from tests.webhook_receiver import receiving

pytestmark = pytest.mark.postgres


class Tour:
    """An API client that keeps the text of every response (headers included)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.seen: list[str] = []

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        t0 = time.monotonic()
        response = await self.http.request(method, path, **kwargs)
        print(f"TIMING {time.monotonic() - t0:.2f} {method} {path} {response.status_code}")
        self.seen.append(
            f"{method} {path} {response.status_code}\n{response.headers}\n{response.text}"
        )
        return response

    async def wait_finished(self, execution_id: str) -> dict:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            body = (await self.call("GET", f"/v1/pipelines/executions/{execution_id}")).json()
            if body["status"] in ("COMPLETED", "FAILED", "CANCELLED"):
                return body
            await asyncio.sleep(0.2)
        raise TimeoutError(f"run {execution_id} did not finish")


def _connection(database: str, name: str, password: str) -> dict:
    return {
        "name": name,
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": database,
        "username": PG_USER,
        "password": password,  # trust authentication: the server ignores it, we search for it
    }


async def _every_get_route(tour: Tour, ids: dict[str, str]) -> int:
    """GET every route of the OpenAPI document whose path parameters we can fill."""
    paths = (await tour.call("GET", "/openapi.json")).json()["paths"]
    called = 0
    for path, operations in sorted(paths.items()):
        if "get" not in operations or path in ("/openapi.json", "/docs", "/redoc"):
            continue
        filled = path
        for param in re.findall(r"{([^}]+)}", path):
            value = next((v for k, v in ids.items() if k in param.lower()), None)
            if value is None:
                break
            filled = filled.replace(f"{{{param}}}", value)
        else:
            try:
                await tour.call("GET", filled, timeout=15)
                called += 1
            except httpx.TimeoutException:
                pass
    return called


async def test_passwords_and_webhook_secrets_never_leak(
    client: Client, services: Services, source, source_db, target_db
):
    password = f"pw-{uuid.uuid4().hex}-never-seen"
    hook_secret = f"whsec-{uuid.uuid4().hex}-never-seen"
    table = f"leak_{uuid.uuid4().hex[:8]}"
    await fill_mixed_table(source, table, 200)
    name = f"leak-{table}"
    with receiving() as receiver:
        async with httpx.AsyncClient(
            base_url=services.base_url, headers=services.headers, timeout=30
        ) as http:
            tour = Tour(http)
            src = await tour.call(
                "POST",
                "/v1/pipelines/connections",
                json=_connection(source_db, f"src-{table}", password),
            )
            assert src.status_code == 201, src.text
            dst = await tour.call(
                "POST",
                "/v1/pipelines/connections",
                json=_connection(target_db, f"dst-{table}", password),
            )
            src_id, dst_id = src.json()["connectionId"], dst.json()["connectionId"]
            await tour.call("POST", f"/v1/pipelines/connections/{src_id}/test")
            hook = await tour.call(
                "POST",
                "/api/v1/webhooks",
                json={
                    "url": receiver.url,
                    "events": ["pipeline.completed", "pipeline.failed"],
                    "secret": hook_secret,
                },
            )
            assert hook.status_code == 201, hook.text
            definition = {
                "sources": {"rows": {"connection": src_id, "table": table}},
                "sinks": {"wh": {"connection": dst_id, "table": f"wh.{table}", "mode": "replace"}},
            }
            ok = await tour.call(
                "POST", "/v1/pipelines", json={"name": name, "definition": definition}
            )
            assert ok.status_code == 201, ok.text
            pipeline_id = ok.json()["pipelineId"]
            runs = []
            for checks in ([], [{"type": "row_count", "max": 1}]):  # one completes, one fails
                if checks:
                    await tour.call(
                        "PUT",
                        f"/v1/pipelines/{pipeline_id}",
                        json={"definition": {**definition, "quality_checks": checks}},
                    )
                started = await tour.call(
                    "POST", f"/v1/pipelines/{pipeline_id}/execute", json={"parameters": {}}
                )
                assert started.status_code == 202, started.text
                runs.append(await tour.wait_finished(started.json()["executionId"]))
            assert [r["status"] for r in runs] == ["COMPLETED", "FAILED"]
            received = await receiver.wait_for(2)
            ids = {
                "pipeline": pipeline_id,
                "execution": runs[0]["executionId"],
                "run": runs[0]["executionId"],
                "connection": src_id,
                "webhook": hook.json()["id"],
            }
            assert await _every_get_route(tour, ids) >= 10
        logs = services.log_text()

    histories = []
    for run in runs:
        for kind in ("run", "notify"):
            handle = client.get_workflow_handle(
                temporal.workflow_id(kind, "default", run["executionId"])
            )
            text = decoded_history((await handle.fetch_history()).to_json())
            assert run["executionId"] in text  # the search below could find something
            histories.append(text)

    # The searches could find something: the captures hold what they should.
    assert runs[0]["executionId"] in logs and "webhook delivery attempt" in logs
    assert any(src_id in h for h in histories)
    assert len(tour.seen) > 20
    for request in received:
        assert signing.verify_body(
            hook_secret, request.body, request.headers[signing.SIGNATURE_HEADER]
        )

    for secret in (password, hook_secret):
        leaks = [text[:200] for text in tour.seen if secret in text]
        assert not leaks, f"a secret is in API responses: {leaks}"
        assert secret not in logs, "a secret is in the log output"
        assert not [h for h in histories if secret in h], "a secret is in a workflow history"
        assert not [r for r in received if secret.encode() in r.body]
