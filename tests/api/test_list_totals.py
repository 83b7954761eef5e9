"""A list's total (``total``, ``totalElements``, X-Total-Count) is what paging through it
returns: rows that cannot be shown in full are listed with a ``problem`` (and counted), rows of
other tenants are neither listed nor counted, and rows that sort alike never repeat or go
missing across pages."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from domain.status import RunStatus
from store.models import utcnow
from tests.asset_runs import fresh_tenant
from tests.pipeline_rows import pipeline_row
from tests.run_rows import run_row

pytestmark = pytest.mark.postgres

GOOD = 5


@dataclass
class Stored:
    http: httpx.AsyncClient
    good: set[str]  # pipeline ids
    bad: set[str]
    runs: set[str]


@pytest.fixture
async def stored(app, db, settings) -> AsyncIterator[Stored]:
    """A tenant's good pipelines and bad ones (a definition that is no object, a current version
    that is missing, tags that are no list), all created at the same instant, each with a run;
    another tenant with the same rows."""
    async with fresh_tenant(app, db, settings) as (http, tenant):
        other = f"other-{uuid.uuid4().hex[:8]}"
        at = utcnow()
        found: dict[str, set[str]] = {"good": set(), "bad": set(), "runs": set()}
        for owner in (tenant, other):
            made: list[tuple[str, dict[str, Any]]] = [
                ("good", {"created_at": at, "tags": ["t"]}),
                ("bad", {"created_at": at, "definition": "nor this"}),
                ("bad", {"created_at": at, "current_version": 2}),
                ("bad", {"created_at": at, "tags": {"not": "a list"}}),
            ]
            made[1:1] = [("good", {"created_at": at})] * (GOOD - 1)
            for i, (kind, fields) in enumerate(made):
                pipeline_id = await pipeline_row(db, owner, f"{kind}-{i}", **fields)
                run_id = await run_row(db, pipeline_id, RunStatus.COMPLETED, tenant=owner)
                if owner == tenant:
                    found[kind].add(pipeline_id)
                    found["runs"].add(run_id)
        yield Stored(http, found["good"], found["bad"], found["runs"])


async def _page_through(
    http: httpx.AsyncClient,
    path: str,
    params: Callable[[int], dict[str, Any]],
    first: int,
    items: str,
    total: str,
) -> tuple[list[dict], int]:
    """Every item of every page (two per page), and the total each page said."""
    seen: list[dict] = []
    totals = set()
    page = first
    while True:
        response = await http.get(path, params=params(page))
        assert response.status_code == 200, response.text
        body = response.json()
        totals.add(body[total])
        totals.add(int(response.headers["X-Total-Count"]))
        if not body[items]:
            break
        seen += body[items]
        page += 1
    assert len(totals) == 1, totals
    return seen, totals.pop()


async def test_ai_etl_pipelines_total_is_what_pages_hold(stored):
    seen, total = await _page_through(
        stored.http,
        "/api/v1/pipelines",
        lambda page: {"page": page, "per_page": 2},
        1,
        "pipelines",
        "total",
    )
    assert total == len(seen) == GOOD + len(stored.bad)
    assert {p["id"] for p in seen} == stored.good | stored.bad
    problems = {p["id"] for p in seen if "problem" in p}
    assert problems <= stored.bad and problems  # the others show what they hold
    for item in seen:
        assert item["name"] and item["status"] == "draft"


async def test_pipeline_service_pipelines_total_is_what_pages_hold(stored):
    seen, total = await _page_through(
        stored.http,
        "/v1/pipelines",
        lambda page: {"page": page, "size": 2},
        0,
        "content",
        "totalElements",
    )
    assert total == len(seen) == GOOD + len(stored.bad)
    assert {p["pipelineId"] for p in seen} == stored.good | stored.bad
    problems = {p["pipelineId"] for p in seen if "problem" in p}
    assert problems <= stored.bad and problems  # the others show what they hold
    tagged = await stored.http.get("/v1/pipelines", params={"tags": "t"})
    assert tagged.json()["totalElements"] == 1


async def test_run_lists_total_is_what_pages_hold(stored):
    executions, total = await _page_through(
        stored.http,
        "/v1/pipelines/executions",
        lambda page: {"page": page, "size": 2},
        0,
        "content",
        "totalElements",
    )
    assert total == len(executions) and {e["executionId"] for e in executions} == stored.runs
    runs, total = await _page_through(
        stored.http,
        "/api/pipeline/runs",
        lambda page: {"page": page, "limit": 2},
        1,
        "runs",
        "total",
    )
    assert total == len(runs) and {r["run_id"] for r in runs} == stored.runs
