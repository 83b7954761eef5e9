"""The stack as ``make run`` starts it, for benchmarks: ``ductwork up`` in a process of its own.

``ductwork up`` starts the Temporal dev server (on its SQLite file), the worker and the API as
separate processes. The benchmark talks to the API over HTTP on loopback and to Temporal with
its own client, like any user. Ports are free ones, the data directory is temporary, the
bootstrap API key is made up for the run, and the rate limits are off (throughput is measured,
not the plans).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
START_SECONDS = 90.0
TENANT = "default"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningStack:
    """A running ``ductwork up``: its API, a Temporal client and its processes."""

    api: Any  # httpx.AsyncClient on the API (base URL and credentials set)
    client: Any  # temporalio Client on the stack's dev server
    task_queue: str
    env: dict[str, str]
    data_dir: Path
    supervisor: psutil.Process
    extra_workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def child(self, marker: str) -> psutil.Process:
        """The stack's child process whose command line contains ``marker``."""
        for proc in self.supervisor.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if marker in " ".join(proc.cmdline()):
                    return proc
        raise RuntimeError(f"no {marker!r} process under ductwork up")

    @property
    def api_process(self) -> psutil.Process:
        return self.child("-m api.serve")

    @property
    def worker(self) -> psutil.Process:
        return self.child("-m worker")

    @property
    def temporal(self) -> psutil.Process:
        return self.child("start-dev")

    async def add_worker(self) -> subprocess.Popen[bytes]:
        """One more ``python -m worker`` process on the same task queue, once it polls."""
        log = self.data_dir / f"worker-{len(self.extra_workers) + 2}.log"
        proc = spawn([sys.executable, "-m", "worker"], self.env, log)
        self.extra_workers.append(proc)
        await self.wait_polling(proc.pid)
        return proc

    async def stop_extra_workers(self) -> None:
        for proc in self.extra_workers:
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 30)
        self.extra_workers.clear()

    async def wait_polling(self, pid: int | None = None) -> None:
        """Until a worker (``pid``, else any) polls both the workflow and activity queues."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

        kinds = (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            polling = 0
            for kind in kinds:
                described = await self.client.workflow_service.describe_task_queue(
                    DescribeTaskQueueRequest(
                        namespace=self.client.namespace,
                        task_queue=TaskQueue(name=self.task_queue),
                        task_queue_type=kind,
                    )
                )
                polling += any(
                    pid is None or p.identity.startswith(f"{pid}@") for p in described.pollers
                )
            if polling == len(kinds):
                return
            await asyncio.sleep(0.1)
        raise SystemExit(f"no worker polls {self.task_queue} after {START_SECONDS:.0f} s")


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A process of the stack in a session of its own, its output in ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stack_env(data_dir: Path, api_key: str) -> dict[str, str]:
    """The environment ``ductwork up`` gets: the user's, minus any DUCTWORK_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCTWORK_")}
    env.update(
        {
            "DUCTWORK_DATA_DIR": str(data_dir),
            "DUCTWORK_LOG_LEVEL": "WARNING",
            "DUCTWORK_API__HOST": "127.0.0.1",
            "DUCTWORK_API__PORT": str(free_port()),
            "DUCTWORK_TEMPORAL__ADDRESS": f"127.0.0.1:{free_port()}",
            "DUCTWORK_TEMPORAL__UI_PORT": str(free_port()),
            "DUCTWORK_TEMPORAL__TASK_QUEUE": f"ductwork-bench-{uuid.uuid4().hex[:8]}",
            "DUCTWORK_AUTH__BOOTSTRAP_API_KEY": api_key,
            "DUCTWORK_RATE_LIMIT__ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@contextlib.asynccontextmanager
async def make_run_stack(
    data_dir: Path, extra_env: dict[str, str] | None = None
) -> AsyncIterator[RunningStack]:
    """``ductwork up`` with its own data dir and ports; stopped (SIGINT, as Ctrl-C) at the end.
    ``extra_env``: more settings, e.g. the confinement policy's roots for file sources."""
    import httpx

    from core.settings import Settings
    from core.temporal import connect

    api_key = "dw-bench-" + uuid.uuid4().hex
    env = {**stack_env(data_dir, api_key), **(extra_env or {})}
    # A session of its own, as in a terminal: SIGINT stops it the way Ctrl-C does.
    up = "import sys; from stack.processes import up; sys.exit(up())"  # what `ductwork up` runs
    proc = spawn([sys.executable, "-c", up], env, data_dir / "stack.log")
    base_url = f"http://127.0.0.1:{env['DUCTWORK_API__PORT']}"
    try:
        async with httpx.AsyncClient(
            base_url=base_url,
            timeout=120,
            headers={"X-API-Key": api_key, "X-Tenant-ID": TENANT},
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
        ) as api:
            await _wait_api(api, proc, data_dir)
            settings = Settings.model_validate(
                {
                    "temporal": {
                        "address": env["DUCTWORK_TEMPORAL__ADDRESS"],
                        "task_queue": env["DUCTWORK_TEMPORAL__TASK_QUEUE"],
                    }
                }
            )
            client = await connect(settings)
            running = RunningStack(
                api,
                client,
                env["DUCTWORK_TEMPORAL__TASK_QUEUE"],
                env,
                data_dir,
                psutil.Process(proc.pid),
            )
            await running.wait_polling()
            try:
                yield running
            finally:
                await running.stop_extra_workers()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(proc.wait, 60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


async def _wait_api(api: Any, proc: subprocess.Popen[bytes], data_dir: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (data_dir / "stack.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"ductwork up exited ({proc.returncode}):\n{tail}")
        with contextlib.suppress(Exception):
            if (await api.get("/health")).status_code < 500:
                return
        await asyncio.sleep(0.2)
    raise SystemExit(f"the API did not answer within {START_SECONDS:.0f} s")
