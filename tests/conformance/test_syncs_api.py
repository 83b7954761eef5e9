"""The connection syncs API's guide (/work/shared/seeds/004_*.txt), every curl example as
written: the X-API-Key added, ``<task-id>`` substituted, against the app with a real worker.
Each answer is checked against the fields and types the guide lists for its endpoint (parsed from
the guide itself), and the status words against its ``queued|running|finished|cancelled``.

Deliberate differences: the guide's 500 when ``DATAPIPELINES_API_KEY`` is unset does not apply
(it is a bootstrap key; every other key works too, and a missing key is a 401); a failed run
answers 200 with ``success: false`` and its ``error`` (the guide keeps 500 for unexpected
failures, which a run's own failure is not).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.auth import make_key
from tests.conformance.conftest import curl_examples, seed_text
from tests.conformance.service_fixtures import assert_error_body, until
from tests.pipelines import create_connection, create_pipeline

pytestmark = pytest.mark.postgres

ROWS = 12
TASK_WORDS = {"queued", "running", "finished", "cancelled"}
_FIELD = re.compile(r"^- `(\w+)` \(([^)]*)\)", re.M)
_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "object": dict,
    "array": list,
}


@dataclass
class Documented:
    """One endpoint's section of the guide: its example and the fields it lists."""

    method: str
    path: str
    fields: dict[str, str]  # name -> the guide's type text


def sections(text: str) -> dict[tuple[str, str], Documented]:
    found = {}
    for block in text.split("\n### ")[1:]:
        method, path = block.splitlines()[0].split()
        # The response's fields: a "Fields:" list, else the "Response" list up to the example.
        if "Fields:" in block:
            listed = block[block.index("Fields:") :]
        elif "Response" in block:
            listed = block[block.index("Response") :].split("Example:")[0]
        else:
            listed = ""
        fields = dict(_FIELD.findall(listed))
        found[(method, path)] = Documented(method, path, fields)
    return found


def assert_fields(documented: Documented, body: dict[str, Any]) -> None:
    """Every listed field is there with its type; a field the guide qualifies (``when
    kind=single``, ``only when include_report=true``) only when that holds."""
    for name, kind in documented.fields.items():
        condition = re.search(r"when `?(\w+)=(\w+)", kind)
        if condition and str(body.get(condition.group(1))).lower() != condition.group(2):
            continue
        assert name in body, f"{documented.path}: missing {name!r} in {sorted(body)}"
        value = body[name]
        if value is None:
            assert "null" in kind, f"{documented.path}: {name} is null, documented {kind!r}"
            continue
        expected = _TYPES[re.split(r"[ :,]", kind)[0]]
        assert isinstance(value, expected), f"{documented.path}: {name}={value!r} ({kind})"
        if expected is int:
            assert not isinstance(value, bool)
        if words := re.search(r": ([a-z|]+)", kind):
            assert value in words.group(1).split("|"), (name, value)


@dataclass
class Syncs:
    http: httpx.AsyncClient
    documented: dict[tuple[str, str], Documented]
    examples: list[tuple[str, str, Any]]
    ran: set[str] = field(default_factory=set)

    async def curl(self, method: str, path: str, **ids: str) -> httpx.Response:
        """The guide's example ``method path`` as written, ``<task-id>`` substituted."""
        assert (method, path, None) in self.examples, (method, path)
        self.ran.add(f"{method} {path}")
        return await self.http.request(method, path.replace("<task-id>", ids.get("task_id", "")))

    def section(self, method: str, path: str) -> Documented:
        return self.documented[(method, path)]


@pytest.fixture(scope="module")
async def syncs(app, db, source_db, target_db) -> AsyncIterator[Syncs]:
    """A tenant of its own with the guide's ``trello`` connection, a ``slow`` one and a paused
    one (run_selected syncs the enabled ones)."""
    text = seed_text("004_")
    tenant_id = f"cs-{uuid.uuid4().hex[:8]}"
    key = await make_key(db, tenant_id)
    table = f"cs_{uuid.uuid4().hex[:8]}"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        httpx.AsyncClient(
            transport=transport,
            base_url="http://127.0.0.1:8081",
            headers={"X-API-Key": key},  # the guide's only header; the key's tenant is used
        ) as http,
        httpx.AsyncClient(  # the pipelines behind the connections, made on /v1
            transport=transport,
            base_url="http://ductwork.test",
            headers={"X-API-Key": key, "X-Tenant-ID": tenant_id},
        ) as setup,
    ):
        src = await create_connection(setup, source_db, "src")
        dst = await create_connection(setup, target_db, "dst")
        source_rows = f"SELECT generate_series(1, {ROWS}) AS id"
        for name, query in (
            ("trello", source_rows),
            ("slow", f"SELECT t.* FROM ({source_rows}) t, pg_sleep(30) s"),
            ("paused", source_rows),
        ):
            definition = {
                "sources": {"rows": {"connection": src, "query": query}},
                "sinks": {
                    "out": {"connection": dst, "table": f"{table}.{name}", "mode": "replace"}
                },
            }
            pipeline_id = await create_pipeline(setup, name, definition)
        paused = await setup.put(f"/api/v1/pipelines/{pipeline_id}", json={"status": "paused"})
        assert paused.status_code == 200, paused.text
        yield Syncs(http, sections(text), curl_examples(text))


async def _task(syncs: Syncs, task_id: str, done) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    async def read() -> dict[str, Any]:
        response = await syncs.curl("GET", "/task_status/<task-id>", task_id=task_id)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_fields(syncs.section("GET", "/task_status/{task_id}"), body)
        assert body["status"] in TASK_WORDS
        return body

    return await until(read, done)


async def test_connections_and_pipelines_as_documented(syncs: Syncs):
    listed = await syncs.curl("GET", "/connections")
    assert listed.status_code == 200, listed.text
    assert [c["name"] for c in listed.json()] == ["trello", "slow", "paused"]
    for item in listed.json():
        assert_fields(syncs.section("GET", "/connections"), item)
    enabled = await syncs.curl("GET", "/pipelines?only_enabled=true")
    assert [c["name"] for c in enabled.json()] == ["trello", "slow"]
    for item in enabled.json():
        assert_fields(syncs.section("GET", "/connections"), item)  # "Same shape as /connections"
    status = await syncs.curl("GET", "/connections/trello/status")
    assert status.status_code == 200
    assert_fields(syncs.section("GET", "/connections/{name}/status"), status.json())
    assert status.json()["last_run_success"] is None  # no run yet


async def test_runs_as_documented(syncs: Syncs):
    ran = await syncs.curl("POST", "/connections/trello/run?include_report=true")
    assert ran.status_code == 200, ran.text
    body = ran.json()
    assert_fields(syncs.section("POST", "/connections/{name}/run"), body)
    assert body["success"] is True and body["rows_inserted"] == ROWS and body["report"]

    started = await syncs.curl("POST", "/connections/trello/run_async")
    assert started.status_code == 200, started.text
    assert_fields(syncs.section("POST", "/connections/{name}/run_async"), started.json())
    done = await _task(syncs, started.json()["task_id"], lambda b: not b["active"])
    assert done["kind"] == "single" and done["status"] == "finished"
    assert done["connection"] == "trello" and done["result"]["success"] is True

    status = await syncs.curl("GET", "/connections/trello/status")
    assert_fields(syncs.section("GET", "/connections/{name}/status"), status.json())
    assert status.json()["last_run_success"] is True

    history = await syncs.curl("GET", "/history?limit=25")
    assert history.status_code == 200
    assert [h["run_id"] for h in history.json()][-1] == body["run_id"]  # newest first


async def test_run_selected_and_cancel_as_documented(syncs: Syncs):
    started = await syncs.curl("POST", "/run_selected")
    assert started.status_code == 200, started.text
    assert_fields(syncs.section("POST", "/run_selected"), started.json())
    assert started.json()["connections"] == ["trello", "slow"]
    task_id = started.json()["task_id"]
    busy = await _task(syncs, task_id, lambda b: b["current"] == "slow")
    assert (
        busy["kind"] == "batch" and busy["status"] == "running" and busy["completed"] == ["trello"]
    )
    cancelled = await syncs.curl("POST", "/cancel_task/<task-id>", task_id=task_id)
    assert cancelled.status_code == 200, cancelled.text
    assert_fields(syncs.section("POST", "/cancel_task/{task_id}"), cancelled.json())
    ended = await _task(syncs, task_id, lambda b: not b["active"])
    assert ended["status"] == "cancelled" and ended["canceled"] is True
    # "404 if the task is not found or already completed"
    again = await syncs.http.post(f"/cancel_task/{task_id}")
    assert assert_error_body(again, 404)["error_code"] == "TASK_NOT_FOUND"


async def test_documented_errors(app, syncs: Syncs):
    assert_error_body(await syncs.http.post("/connections/no-such/run"), 404)
    assert_error_body(await syncs.http.get("/task_status/no-such-task"), 404)
    assert_error_body(await syncs.http.post("/cancel_task/no-such-task"), 404)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8081"
    ) as anonymous:
        for key in (None, "not-a-key"):
            headers = {"X-API-Key": key} if key else {}
            assert_error_body(await anonymous.get("/connections", headers=headers), 401)


def test_every_curl_example_ran(syncs: Syncs):
    written = {f"{method} {path}" for method, path, _ in syncs.examples}
    assert len(written) == 9 and written == syncs.ran, sorted(written - syncs.ran)
