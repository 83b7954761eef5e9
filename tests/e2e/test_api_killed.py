"""The API killed (SIGKILL) while an execute waits for a stopped Temporal server: once both are
back, the pipeline runs again. The execution the dead call had written, whose workflow never
started, is settled FAILED ("never started"), never a phantom run that blocks the pipeline.

Real processes: a Temporal dev server of this test's own (stopped and restarted on the same
database file), the API under uvicorn and a worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from services import runs
from stack.processes import temporal_binary
from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    unique_name,
    wait_finished,
)
from tests.service_processes import free_port

pytestmark = pytest.mark.e2e

API_KEY = "dw-e2e-" + os.urandom(16).hex()
ROOT = Path(__file__).resolve().parent.parent.parent


class Process:
    """One service process; its output goes to ``<name>-<n>.log`` in ``logs``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.argv, self.env, self.logs = name, argv, env, logs
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with (self.logs / f"{self.name}-{self.starts}.log").open("wb") as out:
            self.popen = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


def _wait_for_port(port: int, logs: Path, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}:\n{_output(logs)}")


def _output(logs: Path) -> str:
    return "".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}\n" for p in sorted(logs.iterdir())
    )


async def _healthy(base_url: str, logs: Path, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base_url) as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get("/health", timeout=1)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"the API did not come up:\n{_output(logs)}")


async def _queued_row(http: httpx.AsyncClient, pipeline: str) -> str:
    """The execution the waiting call wrote (the listing reads the store only)."""
    for _ in range(200):
        listed = await http.get("/v1/pipelines/executions", params={"pipelineId": pipeline})
        rows = [r for r in listed.json()["content"] if r["status"] == "QUEUED"]
        if rows:
            return rows[0]["executionId"]
        await asyncio.sleep(0.05)
    raise TimeoutError("the execute call never wrote its execution")


async def test_an_api_killed_while_temporal_is_down_leaves_no_phantom_run(
    tmp_path: Path, source, source_db, target_db
):
    logs = tmp_path / "logs"
    logs.mkdir()
    temporal_port, api_port = free_port(), free_port()
    address = f"127.0.0.1:{temporal_port}"
    temporal = Process(
        "temporal",
        [
            temporal_binary(),
            "server",
            "start-dev",
            "--db-filename",
            str(tmp_path / "temporal.db"),
            "--ip",
            "127.0.0.1",
            "--port",
            str(temporal_port),
            "--http-port",
            str(free_port()),
            "--metrics-port",
            str(free_port()),
            "--headless",
            "--log-level",
            "error",
        ],
        dict(os.environ),
        logs,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCTWORK_")}
    env.update(
        PYTHONUNBUFFERED="1",
        DATAPIPELINES_API_KEY=API_KEY,
        DUCTWORK_DATA_DIR=str(tmp_path / "data"),
        DUCTWORK_LOG_LEVEL="WARNING",
        DUCTWORK_TEMPORAL__ADDRESS=address,
        DUCTWORK_SECURITY__ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DUCTWORK_CONFINEMENT__ALLOWED_NETWORKS='["127.0.0.0/8"]',
        DUCTWORK_CONFINEMENT__ROOTS=json.dumps([tempfile.gettempdir()]),
        DUCTWORK_RATE_LIMIT__ENABLED="false",
    )
    api = Process(
        "api",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(api_port),
        ],
        env,
        logs,
    )
    worker = Process("worker", [sys.executable, "-m", "worker"], env, logs)
    base_url = f"http://127.0.0.1:{api_port}"
    headers = {"X-API-Key": API_KEY, "X-Tenant-ID": "default"}
    try:
        temporal.start()
        _wait_for_port(temporal_port, logs)
        api.start()
        worker.start()
        await _healthy(base_url, logs)
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
            table = unique_name("killed")
            await fill_mixed_table(source, table, 1_000)
            pipeline = await create_pipeline(
                http,
                unique_name("api-killed"),
                {
                    "sources": {
                        "rows": {
                            "connection": await create_connection(http, source_db, table),
                            "table": table,
                        }
                    },
                    "sinks": {
                        "wh": {
                            "connection": await create_connection(http, target_db, f"{table}_w"),
                            "table": f"wh.{table}",
                            "mode": "replace",
                        }
                    },
                },
            )

            # Temporal stops; an execute waits for it; the API dies in the middle of the wait.
            temporal.kill()
            waiting = asyncio.create_task(http.post(f"/v1/pipelines/{pipeline}/execute", json={}))
            orphan = await _queued_row(http, pipeline)
            api.kill()
            with pytest.raises(httpx.HTTPError):
                await waiting

            temporal.start()
            _wait_for_port(temporal_port, logs)
            api.start()
            if not worker.running():
                worker.start()
            await _healthy(base_url, logs)

            # Until no start of the dead call can still land, the pipeline answers 409 naming
            # it; then the execution is settled and the pipeline runs.
            deadline = time.monotonic() + runs.START_WINDOW.total_seconds() + 20
            while True:
                response = await http.post(f"/v1/pipelines/{pipeline}/execute", json={})
                if response.status_code == 202:
                    break
                assert response.status_code == 409, response.text
                assert orphan in response.json()["detail"], response.text
                assert time.monotonic() < deadline, f"still blocked:\n{_output(logs)}"
                await asyncio.sleep(0.5)
            run = await wait_finished(http, response.json()["executionId"], within=60)
            assert run["status"] == "COMPLETED", (run, _output(logs))

            settled = (await http.get(f"/v1/pipelines/executions/{orphan}")).json()
            assert (settled["status"], settled["error"]) == ("FAILED", runs.NEVER_STARTED)
            listed = await http.get("/v1/pipelines/executions", params={"pipelineId": pipeline})
            assert sorted(r["status"] for r in listed.json()["content"]) == ["COMPLETED", "FAILED"]

        client = await Client.connect(address)
        with pytest.raises(RPCError) as missing:
            await client.get_workflow_handle(settled["workflowId"]).describe()
        assert missing.value.status is RPCStatusCode.NOT_FOUND  # its workflow never existed
    finally:
        for process in (api, worker, temporal):
            process.kill()
