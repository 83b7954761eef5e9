"""The run log endpoints of both surfaces take an ``after`` cursor: only the lines written after
a line's id, oldest first, each with its id, and the cursor for the next call; without it their
answers stay as documented (the last N lines, no ids)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from domain.status import RunStatus
from store import runs as run_store
from store.models import RunLog, utcnow
from tests.api.test_errors import assert_error
from tests.asset_runs import fresh_tenant
from tests.pipeline_rows import pipeline_row
from tests.run_rows import run_row

pytestmark = pytest.mark.postgres

LINES = 7

ENDPOINTS = [
    ("/api/v1/runs/{}/logs", "logs", "next_after"),
    ("/v1/pipelines/executions/{}/logs", "lines", "nextAfter"),
]


@pytest.fixture
async def logged(app, db, settings):
    """A finished run with LINES log lines (the even ones of task 'load'), in a tenant of its
    own."""
    async with fresh_tenant(app, db, settings) as (http, tenant):
        pipeline_id = await pipeline_row(db, tenant, "logged")
        run_id = await run_row(db, pipeline_id, RunStatus.COMPLETED, tenant=tenant)
        start = utcnow()
        async with db.session() as session:
            await run_store.add_logs(
                session,
                [
                    RunLog(
                        execution_id=run_id,
                        ts=start + timedelta(milliseconds=i),
                        level="INFO",
                        task="load" if i % 2 == 0 else "run",
                        message=f"line {i}",
                    )
                    for i in range(LINES)
                ],
            )
        yield http, run_id


@pytest.mark.parametrize(("path", "items", "cursor"), ENDPOINTS)
async def test_after_pages_through_new_lines(logged, path, items, cursor):
    http, run_id = logged
    url = path.format(run_id)
    plain = (await http.get(url, params={"lines": 3})).json()
    assert [line["message"] for line in plain[items]] == ["line 4", "line 5", "line 6"]
    assert cursor not in plain and all("id" not in line for line in plain[items])

    seen: list[str] = []
    after = 0
    for _ in range(LINES):
        body = (await http.get(url, params={"after": after, "lines": 3})).json()
        seen += [line["message"] for line in body[items]]
        if not body[items]:
            assert body[cursor] == after  # nothing new: the same cursor again
            break
        assert body[cursor] == body[items][-1]["id"] > after
        after = body[cursor]
    assert seen == [f"line {i}" for i in range(LINES)]

    loads = (await http.get(url, params={"after": 0, "task": "load"})).json()[items]
    assert [line["message"] for line in loads] == ["line 0", "line 2", "line 4", "line 6"]
    later = (await http.get(url, params={"after": loads[1]["id"], "task": "load"})).json()
    assert [line["message"] for line in later[items]] == ["line 4", "line 6"]


@pytest.mark.parametrize(("path", "items", "cursor"), ENDPOINTS)
async def test_a_bad_cursor_is_a_validation_error(logged, api, path, items, cursor):
    http, run_id = logged
    assert_error(await http.get(path.format(run_id), params={"after": -1}), 400, "VALIDATION_ERROR")
    assert_error(
        await http.get(path.format(run_id), params={"after": "x"}), 400, "VALIDATION_ERROR"
    )
    # Another tenant's run stays unknown, cursor or not.
    other = await api.get(path.format(run_id), params={"after": 0})
    assert other.status_code == 404, other.text
    assert (await api.get(path.format(f"exec-{uuid.uuid4().hex}"))).status_code == 404
