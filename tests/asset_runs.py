"""Helpers of the asset pipeline tests: a fresh tenant's API client, and waiting for a run of
the named batch pipelines API (/api/pipeline) to end."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests import auth

ENDED = {"SUCCESS", "FAILURE", "CANCELED"}


@asynccontextmanager
async def fresh_tenant(app, db, settings) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:  # type: ignore[no-untyped-def]
    """An API client as the admin of a new tenant (its own credit-scoring database file)."""
    tenant = f"cs-{uuid.uuid4().hex[:8]}"
    key = await auth.make_key(db, tenant)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://localhost:8000",
        headers={"X-API-Key": key, "X-Tenant-ID": tenant},
    ) as http:
        yield http, tenant


async def trigger(api: httpx.AsyncClient, pipeline: str, batch_id: str, **config) -> str:  # type: ignore[no-untyped-def]
    body: dict = {"batch_id": batch_id}
    if config:
        body["config"] = config
    response = await api.post(f"/api/pipeline/trigger/{pipeline}", json=body)
    assert response.status_code == 200, response.text
    return response.json()["run_id"]


async def wait_run(
    api: httpx.AsyncClient, run_id: str, until: set[str] = ENDED, within: float = 90
) -> dict:
    deadline = time.monotonic() + within
    while True:
        response = await api.get(f"/api/pipeline/status/{run_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in until:
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.1)


async def run(api: httpx.AsyncClient, pipeline: str, batch_id: str, **config) -> dict:  # type: ignore[no-untyped-def]
    """Trigger and wait for the end."""
    return await wait_run(api, await trigger(api, pipeline, batch_id, **config))
