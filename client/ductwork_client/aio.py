"""The asyncio client: ``AsyncClient(api_key=..., base_url=...)``, the same operations as
``ductwork_client.Client``, awaited."""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx

from ductwork_client import calls
from ductwork_client.calls import Call
from ductwork_client.models import (
    Approval,
    Connection,
    ConnectionTest,
    Execution,
    LogLine,
    Page,
    Pipeline,
    RunAccepted,
    RunStatus,
)
from ductwork_client.transport import DEFAULT_BASE_URL, headers, request_kwargs, result

T = TypeVar("T")


class AsyncClient:
    """The Ductwork API with an API key or an access token (``await AsyncClient.login(...)``)."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        tenant: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, transport=transport, headers=headers(api_key, None)
        )
        self._tenant = tenant
        self.credential = api_key
        """The API key or access token this client sends (e.g. to keep after a login)."""
        self.pipelines = AsyncPipelines(self)
        self.runs = AsyncRuns(self)
        self.approvals = AsyncApprovals(self)
        self.connections = AsyncConnections(self)

    @classmethod
    async def login(
        cls, email: str, password: str, base_url: str = DEFAULT_BASE_URL, **options: Any
    ) -> AsyncClient:
        async with httpx.AsyncClient(base_url=base_url, transport=options.get("transport")) as http:
            call = calls.login(email, password)
            response = await http.request(call.method, call.path, **request_kwargs(call))
            token = result(call, response)
        return cls(token.access_token, base_url, **options)

    async def tenant(self) -> str:
        if self._tenant is None:
            self._tenant = (await self._send(calls.me(), tenant=False)).tenant_id
        return self._tenant

    async def _send(self, call: Call[T], *, tenant: bool = True) -> T:
        extra = {"X-Tenant-ID": await self.tenant()} if tenant else {}
        response = await self._http.request(
            call.method, call.path, headers=extra, **request_kwargs(call)
        )
        return result(call, response)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


class AsyncPipelineHandle:
    def __init__(self, client: AsyncClient, pipeline_id: str, data: Any = None) -> None:
        self._client = client
        self.id = pipeline_id
        self.data = data

    async def deploy(
        self, schedule: str | None = None, environment: str | None = None, **options: Any
    ) -> dict[str, Any]:
        call = calls.deploy(self.id, schedule=schedule, environment=environment, **options)
        return await self._client._send(call)

    async def run(self, params: dict[str, Any] | None = None) -> AsyncRunHandle:
        accepted = await self._client._send(calls.run_pipeline(self.id, params))
        return AsyncRunHandle(self._client, accepted.run_id, accepted)

    async def get_status(self) -> dict[str, Any]:
        return await self._client._send(calls.pipeline_status(self.id))


class AsyncRunHandle:
    def __init__(
        self, client: AsyncClient, run_id: str, accepted: RunAccepted | None = None
    ) -> None:
        self._client = client
        self.id = run_id
        self.accepted = accepted

    async def get_status(self) -> RunStatus:
        return await self._client._send(calls.run_status(self.id))

    async def get(self) -> Execution:
        return await self._client._send(calls.get_run(self.id))

    async def follow(
        self, poll_seconds: float = 0.5, within: float | None = None
    ) -> AsyncIterator[Execution]:
        deadline = None if within is None else time.monotonic() + within
        while True:
            snapshot = await self.get()
            yield snapshot
            if snapshot.finished:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {self.id} still {snapshot.status} after {within}s")
            await asyncio.sleep(poll_seconds)

    async def wait(self, poll_seconds: float = 0.5, within: float | None = None) -> Execution:
        async for snapshot in self.follow(poll_seconds, within):
            last = snapshot
        return last

    async def logs(
        self, task: str | None = None, lines: int = 100, after: int | None = None
    ) -> list[LogLine]:
        """The last ``lines`` log lines; with ``after`` (a line's ``id``, 0 for the first) the
        first ``lines`` lines written after that one."""
        return await self._client._send(calls.run_logs(self.id, task, lines, after))

    async def cancel(self) -> dict[str, Any]:
        return await self._client._send(calls.cancel_run(self.id))


class AsyncPipelines:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(
        self, page: int = 0, size: int = 50, status: str | None = None
    ) -> Page[Pipeline]:
        return await self._client._send(calls.list_pipelines(page, size, status))

    async def get(self, pipeline_id: str) -> Pipeline:
        return await self._client._send(calls.get_pipeline(pipeline_id))

    async def create(
        self, name: str, definition: dict[str, Any], **extra: Any
    ) -> AsyncPipelineHandle:
        created = await self._client._send(calls.create_pipeline(name, definition, **extra))
        return AsyncPipelineHandle(self._client, created.pipeline_id, created)

    async def generate(self, description: str, **options: Any) -> AsyncPipelineHandle:
        generated = await self._client._send(calls.generate(description, **options))
        return AsyncPipelineHandle(self._client, generated.pipeline_id, generated)

    def handle(self, pipeline_id: str) -> AsyncPipelineHandle:
        return AsyncPipelineHandle(self._client, pipeline_id)

    async def execute(
        self, pipeline_id: str, parameters: dict[str, Any] | None = None
    ) -> AsyncRunHandle:
        accepted = await self._client._send(calls.execute(pipeline_id, parameters))
        return AsyncRunHandle(self._client, accepted.run_id, accepted)


class AsyncRuns:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(
        self,
        pipeline_id: str | None = None,
        status: str | None = None,
        page: int = 0,
        size: int = 50,
    ) -> Page[Execution]:
        return await self._client._send(calls.list_runs(pipeline_id, status, page, size))

    async def get(self, run_id: str) -> Execution:
        return await self._client._send(calls.get_run(run_id))

    def handle(self, run_id: str) -> AsyncRunHandle:
        return AsyncRunHandle(self._client, run_id)

    async def logs(
        self, run_id: str, task: str | None = None, lines: int = 100, after: int | None = None
    ) -> builtins.list[LogLine]:
        return await self._client._send(calls.run_logs(run_id, task, lines, after))

    async def cancel(self, run_id: str) -> dict[str, Any]:
        return await self._client._send(calls.cancel_run(run_id))


class AsyncApprovals:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self, status: str = "pending") -> list[Approval]:
        return await self._client._send(calls.list_approvals(status))

    async def approve(self, ref: str, reason: str | None = None) -> Approval:
        return await self._client._send(calls.decide(ref, True, reason))

    async def reject(self, ref: str, reason: str | None = None) -> Approval:
        return await self._client._send(calls.decide(ref, False, reason))


class AsyncConnections:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self, page: int = 0, size: int = 100) -> Page[Connection]:
        return await self._client._send(calls.list_connections(page, size))

    async def test(self, connection_id: str) -> ConnectionTest:
        return await self._client._send(calls.test_connection(connection_id))
