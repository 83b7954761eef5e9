"""A cancel during a load never lies, whatever instant it arrives: a run that ends CANCELLED
left its target exactly as it was; one that ends COMPLETED (the cancel came after the commit)
holds every row once and says so, in the run and in the answer to the cancel.

Each load moves 200,000 rows. A hook in the load activity holds the load at its commit point
until the cancel has reached it: just before the last look for a cancel ("check": the load must
roll back), or once it is committing ("commit": too late, the rows stay). Other cancels land
at fixed delays into the load, wherever the load then is; either outcome is allowed there,
but it must be the one the target has.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import duckdb
import httpx
import pyarrow.dataset as pads
import pytest
from temporalio.client import Client

from activities.commit_guard import CommitGuard
from activities.runtime import ActivityDeps
from core.secrets import Cipher
from core.settings import Settings
from services import runs
from store import pipelines as pipeline_store
from store import runs as run_store
from store.db import Database
from tests.auth import DEFAULT_TENANT
from tests.pipelines import (
    create_connection,
    create_pipeline,
    fill_mixed_table,
    table_fingerprint,
    unique_name,
    wait_finished,
)
from tests.replay.recording import record
from tests.sources import file_body, register
from worker import build_worker
from workflows.pipeline_run import LATE_CANCEL_NOTE

ROWS = 200_000
OLD = 500  # rows the target holds before each run
HELD = ({"hold": "check"}, {"hold": "commit"})
HISTORIES = ("pipeline_run_cancelled_before_commit", "pipeline_run_cancelled_after_commit")


class Hold:
    """The commit hook: at ``phase``, tell the test (``reached``) and wait for the cancel."""

    def __init__(self, phase: str) -> None:
        self.phase = phase
        self.reached = asyncio.Event()

    async def __call__(self, phase: str, guard: CommitGuard) -> None:
        if phase != self.phase:
            return
        self.reached.set()
        deadline = time.monotonic() + 30
        # A PostgreSQL load held at "check" meets the cancel right here, as CancelledError.
        while not guard.cancel_arrived:
            if time.monotonic() > deadline:
                raise AssertionError("the cancel never reached the load")
            await asyncio.sleep(0.01)


@dataclass
class Runner:
    """Starts runs on a worker of its own, whose load activity takes the commit hook."""

    deps: ActivityDeps
    settings: Settings
    db: Database
    client: Client
    api: httpx.AsyncClient

    async def cancelled_run(
        self,
        pipeline_id: str,
        *,
        hold: str | None = None,
        after: float = 0.0,
        history: str | None = None,
    ) -> dict:
        """Run the pipeline and cancel it during its load: held at ``hold``, else ``after``
        seconds into it. Checks the two honest outcomes and the cancel's answer; the run.
        ``history``: the name its history is recorded under (``make record-histories``)."""
        holder = Hold(hold) if hold else None
        self.deps.commit_hook = holder
        async with self.db.session() as session:
            pipeline = await pipeline_store.get(session, DEFAULT_TENANT, pipeline_id)
            execution = await runs.submit(session, self.client, self.settings, pipeline, {})
        if holder is not None:
            await asyncio.wait_for(holder.reached.wait(), 60)
        else:
            await self._load_started(execution.id)
            await asyncio.sleep(after)
        answer = await self.api.post(f"/v1/pipelines/executions/{execution.id}/cancel")
        run = await wait_finished(self.api, execution.id, within=60)
        assert run["status"] in ("CANCELLED", "COMPLETED"), run
        if history:
            await record(self.client.get_workflow_handle(execution.workflow_id), history)
        if answer.status_code == 409:  # it had finished before the cancel came
            assert run["status"] == "COMPLETED" and run["note"] is None, run
            return run
        assert answer.status_code == 202, answer.text
        told = answer.json()
        if told["status"] in ("CANCELLED", "COMPLETED"):
            assert told["status"] == run["status"], (told, run)  # the answer says which
        if run["status"] == "COMPLETED":
            # The note: the cancel reached the run after its commit. None: it reached the
            # workflow only after the run had recorded its end (the cancel route saw the row a
            # moment before); either way every row is there once (the callers check it).
            assert run["note"] in (LATE_CANCEL_NOTE, None), run
            if told["status"] == "COMPLETED":
                assert told["note"] == run["note"], (told, run)
        return run

    async def _load_started(self, execution_id: str) -> None:
        for _ in range(3000):
            async with self.db.session() as session:
                steps = await run_store.steps(session, execution_id)
            # A load's row is made when it starts. It may already be past RUNNING: a quick
            # load's record can go from nothing to COMPLETED between two reads (the cancel then
            # comes late, an outcome checked).
            if any(s.kind == "load" for s in steps):
                return
            await asyncio.sleep(0.02)
        raise TimeoutError(f"the load of {execution_id} never started")


@pytest.fixture
async def runner(client, settings, db, api) -> AsyncIterator[Runner]:
    queue = f"cancel-{uuid.uuid4()}"
    local = settings.model_copy(
        update={"temporal": settings.temporal.model_copy(update={"task_queue": queue})}
    )
    deps = ActivityDeps(db, Cipher.from_settings(settings), settings)
    async with build_worker(client, settings, db, queue, deps):
        yield Runner(deps, local, db, client, api)


# --- PostgreSQL -------------------------------------------------------------------------------


async def _pg_target(target: asyncpg.Connection, table: str, mode: str) -> None:
    """OLD rows of negative ids; a merge target also stale copies of ids 1..OLD."""
    await fill_mixed_table(target, table, OLD)
    await target.execute(f"UPDATE {table} SET id = -id, note = 'old'")
    if mode == "merge":
        await target.execute(
            f"INSERT INTO {table} SELECT g, now(), NULL, 0, 'stale', NULL, NULL, NULL "
            f"FROM generate_series(1, {OLD}) g"
        )


@pytest.mark.parametrize("mode", ["append", "merge", "replace"])
async def test_postgres_status_matches_the_target_wherever_the_cancel_lands(
    runner: Runner, api, source, target, source_db, target_db, mode: str
):
    table = unique_name(f"cancel_{mode}")
    await fill_mixed_table(source, table, ROWS)
    expected = await table_fingerprint(source, table)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    sink: dict = {"connection": dst, "table": table, "mode": mode}
    if mode == "merge":
        sink["keys"] = ["id"]
    pipeline = await create_pipeline(
        api,
        unique_name(f"cancel-{mode}"),
        {"sources": {"rows": {"connection": src, "table": table}}, "sinks": {"wh": sink}},
    )
    old_rows = f"(SELECT * FROM {table} WHERE id < 0)"
    new_rows = f"(SELECT * FROM {table} WHERE id > 0)"
    outcomes = []
    for index, point in enumerate((*HELD, {"after": 0.0}, {"after": 0.25})):
        await _pg_target(target, table, mode)
        before = await table_fingerprint(target, table)
        untouched = await table_fingerprint(target, old_rows)
        history = HISTORIES[index] if mode == "append" and index < len(HISTORIES) else None
        run = await runner.cancelled_run(pipeline, **point, history=history)
        if run["status"] == "CANCELLED":
            assert await table_fingerprint(target, table) == before, (point, run)
        else:  # every source row once, exactly; what the load does not touch, untouched
            assert await table_fingerprint(target, new_rows) == expected, (point, run)
            if mode != "replace":
                assert await table_fingerprint(target, old_rows) == untouched, (point, run)
        outcomes.append(run["status"])
    # Held at the last look for a cancel the load rolls back; held while committing, it stays.
    assert outcomes[:2] == ["CANCELLED", "COMPLETED"], outcomes


# --- DuckDB -----------------------------------------------------------------------------------

_SOURCE = "SELECT id, note, amount::float8 AS amount FROM {table}"
# What the source query yields, made in DuckDB (fill_mixed_table's id and note).
_EXPECTED = (
    "SELECT sum(hash(g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g || ' ünïcode ✓' END)) "
    f"FROM range(1, {ROWS + 1}) r(g)"
)


def _duck(path: Path, sql: str) -> tuple:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return conn.execute(sql).fetchone() or ()
    finally:
        conn.close()


def _duck_target(path: Path, table: str, mode: str) -> None:
    conn = duckdb.connect(str(path))
    try:
        conn.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT -i AS id, 'old' AS note, "
            f"CAST(i AS DOUBLE) AS amount FROM range(1, {OLD + 1}) r(i)"
        )
        if mode == "merge":
            conn.execute(f"INSERT INTO {table} SELECT i, 'stale', 0 FROM range(1, {OLD + 1}) r(i)")
    finally:
        conn.close()


def _duck_state(path: Path, table: str, where: str = "true") -> tuple:
    """Rows, distinct ids and an order-free checksum of (id, note), of the rows ``where``."""
    return _duck(
        path, f"SELECT count(*), count(DISTINCT id), sum(hash(id, note)) FROM {table} WHERE {where}"
    )


@pytest.mark.parametrize("mode", ["append", "merge", "replace"])
async def test_duckdb_status_matches_the_target_wherever_the_cancel_lands(
    runner: Runner, api, source, source_db, tmp_path: Path, mode: str
):
    table = unique_name(f"cancel_{mode}")
    await fill_mixed_table(source, table, ROWS)
    lake = tmp_path / "lake.duckdb"
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(api, file_body("duckdb", str(lake), unique_name("lake")))
    sink: dict = {"connection": dst, "table": table, "mode": mode}
    if mode == "merge":
        sink["keys"] = ["id"]
    pipeline = await create_pipeline(
        api,
        unique_name(f"duck-cancel-{mode}"),
        {
            "sources": {"rows": {"connection": src, "query": _SOURCE.format(table=table)}},
            "sinks": {"wh": sink},
        },
    )
    with duckdb.connect() as scratch:
        (expected,) = scratch.execute(_EXPECTED).fetchone() or ()
    outcomes = []
    for point in (*HELD, {"after": 0.0}):
        await asyncio.to_thread(_duck_target, lake, table, mode)
        before = await asyncio.to_thread(_duck_state, lake, table)
        untouched = await asyncio.to_thread(_duck_state, lake, table, "id < 0")
        run = await runner.cancelled_run(pipeline, **point)
        if run["status"] == "CANCELLED":
            assert await asyncio.to_thread(_duck_state, lake, table) == before, (point, run)
        else:
            loaded = await asyncio.to_thread(_duck_state, lake, table, "id > 0")
            assert loaded == (ROWS, ROWS, expected), (point, run)
            if mode != "replace":
                assert await asyncio.to_thread(_duck_state, lake, table, "id < 0") == untouched
        outcomes.append(run["status"])
    assert outcomes[:2] == ["CANCELLED", "COMPLETED"], outcomes


# --- files ------------------------------------------------------------------------------------


def _dataset(directory: Path) -> tuple[list[str], int]:
    """The dataset's part files and its rows."""
    if not directory.exists():
        return [], 0
    parts = sorted(p.name for p in directory.iterdir() if p.name.startswith("part-"))
    rows = pads.dataset(str(directory), format="parquet").count_rows() if parts else 0
    return parts, rows


@pytest.mark.parametrize("mode", ["append", "replace"])
async def test_files_status_matches_the_dataset(
    runner: Runner, api, source, source_db, tmp_path: Path, mode: str
):
    table = unique_name(f"cancel_{mode}")
    await fill_mixed_table(source, table, ROWS)
    root = tmp_path / "files"
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await register(
        api,
        {
            "name": unique_name("files"),
            "type": "files",
            "database": str(root),
            "properties": {"format": "parquet"},
        },
    )
    pipeline = await create_pipeline(
        api,
        unique_name(f"files-cancel-{mode}"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"lake": {"connection": dst, "table": f"exports.{table}", "mode": mode}},
        },
    )
    directory = root / "exports" / table
    outcomes = []
    for point in HELD:
        before = await asyncio.to_thread(_dataset, directory)
        run = await runner.cancelled_run(pipeline, **point)
        parts, rows = await asyncio.to_thread(_dataset, directory)
        if run["status"] == "CANCELLED":
            assert (parts, rows) == before, run
            aside = [p.name for p in root.rglob(".*") if p.name.endswith((".new", ".tmp"))]
            assert aside == [], aside  # nothing written aside is left behind
        else:
            assert len(set(parts) - set(before[0])) == 1, (parts, before)
            assert rows == ROWS + (before[1] if mode == "append" else 0), (run, rows)
        outcomes.append(run["status"])
    assert outcomes == ["CANCELLED", "COMPLETED"], outcomes
