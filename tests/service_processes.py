"""The API (uvicorn) and a worker as real processes, against the test session's Temporal.

Their stdout and stderr go to files, so a test can read every log line they wrote.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from temporalio.client import Client

START_TIMEOUT = 60.0


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Services:
    base_url: str
    api_key: str
    task_queue: str
    logs: list[Path] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        """An admin credential of the default tenant (seed 004's bootstrap key)."""
        return {"X-API-Key": self.api_key, "X-Tenant-ID": "default"}

    def log_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs if path.exists())


@contextmanager
def running_services(
    client: Client, data_dir: Path, *, worker: bool = True, **extra_env: str
) -> Iterator[Services]:
    """Start the API (and a worker) with a fresh store in ``data_dir``; stop them after."""
    port = free_port()
    services = Services(
        base_url=f"http://127.0.0.1:{port}",
        api_key=f"dw-test-{secrets.token_urlsafe(16)}",
        task_queue=f"services-{uuid.uuid4()}",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCTWORK_")}
    env.update(
        PYTHONUNBUFFERED="1",
        DATAPIPELINES_API_KEY=services.api_key,
        DUCTWORK_DATA_DIR=str(data_dir),
        DUCTWORK_LOG_LEVEL="DEBUG",
        DUCTWORK_TEMPORAL__ADDRESS=client.service_client.config.target_host,
        DUCTWORK_TEMPORAL__NAMESPACE=client.namespace,
        DUCTWORK_TEMPORAL__TASK_QUEUE=services.task_queue,
        DUCTWORK_SECURITY__ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DUCTWORK_CONFINEMENT__ALLOWED_NETWORKS='["127.0.0.0/8"]',
        DUCTWORK_CONFINEMENT__ROOTS=json.dumps([tempfile.gettempdir()]),
        DUCTWORK_WEBHOOKS__RETRY_INITIAL_SECONDS="0.2",
        DUCTWORK_WEBHOOKS__RETRY_MAX_INTERVAL_SECONDS="1",
        DUCTWORK_WEBHOOKS__MAX_ATTEMPTS="4",
        DUCTWORK_RATE_LIMIT__ENABLED="false",  # the fuzz sends thousands of requests
        **extra_env,
    )
    root = Path(__file__).resolve().parent.parent
    commands = {
        # As deployed: JSON logs, no proxy headers (trusted by the app's own setting only).
        "api": [sys.executable, "-m", "api.serve", "--host", "127.0.0.1", "--port", str(port)]
    }
    if worker:
        commands["worker"] = [sys.executable, "-m", "worker"]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, argv in commands.items():
            log = data_dir / f"{name}.log"
            services.logs.append(log)
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(argv, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
                )
        _wait_ready(services, processes)
        yield services
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(services: Services, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a service exited early:\n{services.log_text()[-4000:]}")
        try:
            if httpx.get(f"{services.base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the API did not start:\n{services.log_text()[-4000:]}")
