"""The blocking client: ``Client(api_key=..., base_url=...)``."""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx

from ductwork_client import calls
from ductwork_client.calls import Call
from ductwork_client.models import (
    Approval,
    Connection,
    ConnectionTest,
    Execution,
    Generated,
    LogLine,
    Page,
    Pipeline,
    RunAccepted,
    RunStatus,
)
from ductwork_client.transport import DEFAULT_BASE_URL, headers, request_kwargs, result

T = TypeVar("T")


class Client:
    """The Ductwork API with an API key or an access token (``Client.login``).

    ``tenant``: the tenant to act in (default: the credential's own, asked once).
    ``transport``: an httpx transport, e.g. ``httpx.ASGITransport`` in tests.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        tenant: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url, timeout=timeout, transport=transport, headers=headers(api_key, None)
        )
        self._tenant = tenant
        self.credential = api_key
        """The API key or access token this client sends (e.g. to keep after a login)."""
        self.pipelines = Pipelines(self)
        self.runs = Runs(self)
        self.approvals = Approvals(self)
        self.connections = Connections(self)

    @classmethod
    def login(
        cls,
        email: str,
        password: str,
        base_url: str = DEFAULT_BASE_URL,
        **options: Any,
    ) -> Client:
        """A client with a fresh access token from the user's email and password."""
        with httpx.Client(base_url=base_url, transport=options.get("transport")) as http:
            call = calls.login(email, password)
            token = result(call, http.request(call.method, call.path, **request_kwargs(call)))
        return cls(token.access_token, base_url, **options)

    @property
    def tenant(self) -> str:
        if self._tenant is None:
            self._tenant = self._send(calls.me(), tenant=False).tenant_id
        return self._tenant

    def _send(self, call: Call[T], *, tenant: bool = True) -> T:
        extra = {"X-Tenant-ID": self.tenant} if tenant else {}
        response = self._http.request(call.method, call.path, headers=extra, **request_kwargs(call))
        return result(call, response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class PipelineHandle:
    """A pipeline to deploy and run: ``pipeline.deploy(schedule=...)``, ``pipeline.run()``."""

    def __init__(self, client: Client, pipeline_id: str, data: Any = None) -> None:
        self._client = client
        self.id = pipeline_id
        self.data = data

    def deploy(
        self, schedule: str | None = None, environment: str | None = None, **options: Any
    ) -> dict[str, Any]:
        call = calls.deploy(self.id, schedule=schedule, environment=environment, **options)
        return self._client._send(call)

    def run(self, params: dict[str, Any] | None = None) -> RunHandle:
        accepted = self._client._send(calls.run_pipeline(self.id, params))
        return RunHandle(self._client, accepted.run_id, accepted)

    def get_status(self) -> dict[str, Any]:
        return self._client._send(calls.pipeline_status(self.id))

    def __repr__(self) -> str:
        return f"PipelineHandle({self.id!r})"


class RunHandle:
    """A run: ``run.get_status()``, ``run.wait()``, ``run.logs()``, ``run.cancel()``."""

    def __init__(self, client: Client, run_id: str, accepted: RunAccepted | None = None) -> None:
        self._client = client
        self.id = run_id
        self.accepted = accepted

    def get_status(self) -> RunStatus:
        return self._client._send(calls.run_status(self.id))

    def get(self) -> Execution:
        return self._client._send(calls.get_run(self.id))

    def follow(self, poll_seconds: float = 0.5, within: float | None = None) -> Iterator[Execution]:
        """The run as it moves, one snapshot per poll, the last one finished."""
        deadline = None if within is None else time.monotonic() + within
        while True:
            snapshot = self.get()
            yield snapshot
            if snapshot.finished:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {self.id} still {snapshot.status} after {within}s")
            time.sleep(poll_seconds)

    def wait(self, poll_seconds: float = 0.5, within: float | None = None) -> Execution:
        for snapshot in self.follow(poll_seconds, within):
            last = snapshot
        return last

    def logs(
        self, task: str | None = None, lines: int = 100, after: int | None = None
    ) -> list[LogLine]:
        """The last ``lines`` log lines; with ``after`` (a line's ``id``, 0 for the first) the
        first ``lines`` lines written after that one."""
        return self._client._send(calls.run_logs(self.id, task, lines, after))

    def cancel(self) -> dict[str, Any]:
        return self._client._send(calls.cancel_run(self.id))

    def __repr__(self) -> str:
        return f"RunHandle({self.id!r})"


class Pipelines:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, page: int = 0, size: int = 50, status: str | None = None) -> Page[Pipeline]:
        return self._client._send(calls.list_pipelines(page, size, status))

    def get(self, pipeline_id: str) -> Pipeline:
        return self._client._send(calls.get_pipeline(pipeline_id))

    def create(self, name: str, definition: dict[str, Any], **extra: Any) -> PipelineHandle:
        created = self._client._send(calls.create_pipeline(name, definition, **extra))
        return PipelineHandle(self._client, created.pipeline_id, created)

    def generate(self, description: str, **options: Any) -> PipelineHandle:
        generated: Generated = self._client._send(calls.generate(description, **options))
        return PipelineHandle(self._client, generated.pipeline_id, generated)

    def handle(self, pipeline_id: str) -> PipelineHandle:
        return PipelineHandle(self._client, pipeline_id)

    def execute(self, pipeline_id: str, parameters: dict[str, Any] | None = None) -> RunHandle:
        accepted = self._client._send(calls.execute(pipeline_id, parameters))
        return RunHandle(self._client, accepted.run_id, accepted)


class Runs:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self,
        pipeline_id: str | None = None,
        status: str | None = None,
        page: int = 0,
        size: int = 50,
    ) -> Page[Execution]:
        return self._client._send(calls.list_runs(pipeline_id, status, page, size))

    def get(self, run_id: str) -> Execution:
        return self._client._send(calls.get_run(run_id))

    def handle(self, run_id: str) -> RunHandle:
        return RunHandle(self._client, run_id)

    def logs(
        self, run_id: str, task: str | None = None, lines: int = 100, after: int | None = None
    ) -> builtins.list[LogLine]:
        return self._client._send(calls.run_logs(run_id, task, lines, after))

    def cancel(self, run_id: str) -> dict[str, Any]:
        return self._client._send(calls.cancel_run(run_id))


class Approvals:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, status: str = "pending") -> list[Approval]:
        return self._client._send(calls.list_approvals(status))

    def approve(self, ref: str, reason: str | None = None) -> Approval:
        return self._client._send(calls.decide(ref, True, reason))

    def reject(self, ref: str, reason: str | None = None) -> Approval:
        return self._client._send(calls.decide(ref, False, reason))


class Connections:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, page: int = 0, size: int = 100) -> Page[Connection]:
        return self._client._send(calls.list_connections(page, size))

    def test(self, connection_id: str) -> ConnectionTest:
        return self._client._send(calls.test_connection(connection_id))
