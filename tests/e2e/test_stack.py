"""`ductwork up` as a user runs it: real processes, real ports, state kept across restarts."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing, suppress
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    run_to_end,
    table_fingerprint,
)

pytestmark = pytest.mark.e2e

DUCTWORK = Path(sys.executable).parent / "ductwork"
START_TIMEOUT = 60.0
API_KEY = "dw-e2e-" + os.urandom(16).hex()  # seed 004's DATAPIPELINES_API_KEY
STOP_TIMEOUT = 30.0
ROWS = 500


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """One `ductwork up` process with its ports, its data dir and its output files."""

    def __init__(self, data_dir: Path, logs: Path) -> None:
        self.data_dir = data_dir
        self.logs = logs
        self.api_port, self.temporal_port, self.ui_port = (_free_port() for _ in range(3))
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DUCTWORK_")}
        env.update(
            DUCTWORK_DATA_DIR=str(self.data_dir),
            DUCTWORK_API__PORT=str(self.api_port),
            DUCTWORK_TEMPORAL__ADDRESS=self.temporal_address,
            DUCTWORK_TEMPORAL__UI_PORT=str(self.ui_port),
            DATAPIPELINES_API_KEY=API_KEY,
        )
        return env

    def output(self) -> str:
        text = "".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}\n"
            for path in sorted(self.logs.glob("up-*.log"))
        )
        return text or "(no output)"

    def spawn(self) -> subprocess.Popen[bytes]:
        assert DUCTWORK.exists(), f"{DUCTWORK} is missing: run `make install`"
        self.runs += 1
        with (self.logs / f"up-{self.runs}.log").open("wb") as log:
            # Its own directory as cwd, so that no .env of the checkout leaks in.
            return subprocess.Popen(
                [str(DUCTWORK), "up"], cwd=self.logs, env=self.env(), stdout=log, stderr=log
            )

    async def start(self) -> None:
        self.process = self.spawn()
        async with httpx.AsyncClient(base_url=self.api_url, timeout=5) as http:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                assert self.process.poll() is None, f"`ductwork up` exited:\n{self.output()}"
                try:
                    health = await http.get("/health")
                    ready = await http.get("/ready")
                    if health.status_code == ready.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"the stack was not ready in time:\n{self.output()}")
                await asyncio.sleep(0.25)

    async def stop(self) -> None:
        """SIGINT, as Ctrl-C sends; `up` and every process it started must be gone in time."""
        if self.process is None or self.process.poll() is not None:
            return
        children = psutil.Process(self.process.pid).children(recursive=True)
        assert sorted(_role(c) for c in children) == ["api", "temporal", "worker"], children
        self.process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.process.poll() is None or any(_alive(c) for c in children):
            if time.monotonic() > deadline:
                left = [c.cmdline() for c in children if _alive(c)]
                self.kill(children)
                raise AssertionError(
                    f"not stopped within {STOP_TIMEOUT:.0f}s (left: {left}):\n{self.output()}"
                )
            await asyncio.sleep(0.1)
        assert self.process.returncode == 0, self.output()

    def kill(self, children: list[psutil.Process] | None = None) -> None:
        if self.process is None:
            return
        if children is None:
            try:
                children = psutil.Process(self.process.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                children = []
        self.process.kill()
        for proc in children:
            with suppress(psutil.NoSuchProcess):
                proc.kill()
        self.process.wait(5)


def _role(proc: psutil.Process) -> str:
    argv = proc.cmdline()
    if Path(argv[0]).name == "temporal":
        return "temporal"
    if argv[1:3] == ["-m", "worker"]:
        return "worker"
    if argv[1:3] == ["-m", "api.serve"]:
        return "api"
    return " ".join(argv)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@asynccontextmanager
async def running(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    await stack.start()
    try:
        credentials = {"X-API-Key": API_KEY, "X-Tenant-ID": "default"}
        async with httpx.AsyncClient(
            base_url=stack.api_url, timeout=30, headers=credentials
        ) as http:
            yield http
        await stack.stop()
    finally:
        if stack.process is not None and stack.process.poll() is None:
            stack.kill()


@pytest.mark.timeout(120)
async def test_up_runs_a_pipeline_stops_cleanly_and_keeps_its_state(
    tmp_path: Path,
    source: asyncpg.Connection,
    target: asyncpg.Connection,
    source_db: str,
    target_db: str,
) -> None:
    data_dir = tmp_path / "data"
    logs = tmp_path / "run"
    logs.mkdir()
    stack = Stack(data_dir, logs)
    await fill_mixed_table(source, "public.stack_rows", ROWS)

    async with running(stack) as api:
        src = await create_connection(api, source_db, "stack-src")
        dst = await create_connection(api, target_db, "stack-dst")
        pipeline_id = await create_pipeline(
            api,
            "stack-copy",
            {
                "sources": {"rows": {"connection": src, "table": "public.stack_rows"}},
                "sinks": {
                    "copy": {"connection": dst, "table": "landing.stack_rows", "mode": "append"}
                },
            },
        )
        run = await run_to_end(api, pipeline_id)
        assert run["status"] == "COMPLETED", run
        assert await table_fingerprint(target, "landing.stack_rows") == await table_fingerprint(
            source, "public.stack_rows"
        )
        async with httpx.AsyncClient(timeout=10) as http:
            ui = await http.get(f"http://127.0.0.1:{stack.ui_port}/")
        assert ui.status_code == 200, ui.text[:500]

    assert (data_dir / "temporal.db").exists()
    assert (data_dir / "ductwork.db").exists()
    key = (data_dir / "secret.key").read_bytes()
    # The first start created an admin with a random password and showed it once.
    shown = re.search(r"Password:\s+(\S+)", (logs / "up-1.log").read_text())
    assert shown, stack.output()

    async with running(stack) as api:
        assert "Password:" not in (logs / "up-2.log").read_text()
        login = await api.post(
            "/api/v1/auth/login", json={"email": "admin@localhost", "password": shown.group(1)}
        )
        assert login.status_code == 200, login.text
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = (await api.get("/api/v1/auth/me", headers=bearer)).json()
        assert (me["kind"], me["role"], me["subject"]) == ("user", "admin", "admin@localhost")
        pipelines = (await api.get("/v1/pipelines")).json()["content"]
        assert [p["pipelineId"] for p in pipelines] == [pipeline_id]
        executions = (
            await api.get("/v1/pipelines/executions", params={"pipelineId": pipeline_id})
        ).json()["content"]
        assert [(e["executionId"], e["status"]) for e in executions] == [
            (run["executionId"], "COMPLETED")
        ]
        # The same key decrypts the stored password; Temporal kept the workflow's history.
        tested = await api.post(f"/v1/pipelines/connections/{src}/test")
        assert tested.status_code == 200, tested.text
        assert tested.json()["connected"] is True, tested.json()
        client = await Client.connect(stack.temporal_address)
        described = await client.get_workflow_handle(run["workflowId"]).describe()
        assert described.status is WorkflowExecutionStatus.COMPLETED
    assert (data_dir / "secret.key").read_bytes() == key


async def test_up_stops_everything_when_a_child_dies(tmp_path: Path) -> None:
    """The API cannot bind its port: `up` stops Temporal and the worker and names the API."""
    logs = tmp_path / "run"
    logs.mkdir()
    stack = Stack(tmp_path / "data", logs)
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as taken:
        taken.bind(("127.0.0.1", stack.api_port))
        taken.listen()
        process = stack.spawn()
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while process.poll() is None:
                assert time.monotonic() < deadline, f"`up` did not give up:\n{stack.output()}"
                await asyncio.sleep(0.2)
        finally:
            if process.poll() is None:
                stack.process = process
                stack.kill()
    assert process.returncode != 0
    assert "api exited unexpectedly" in stack.output()
    processes = psutil.process_iter(["cmdline", "environ"])
    left = [p.info["cmdline"] for p in processes if _ours(p, stack)]
    assert left == [], left


def _ours(proc: psutil.Process, stack: Stack) -> bool:
    """A live process started for this stack: it carries the stack's data dir in its env."""
    try:
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
    except psutil.NoSuchProcess:
        return False
    environ = proc.info.get("environ") or {}
    return environ.get("DUCTWORK_DATA_DIR") == str(stack.data_dir.resolve())
