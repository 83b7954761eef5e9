"""A plain PostgreSQL copy runs its extract and load as one activity (``extract_load``), in one
target transaction: whatever happens to an attempt, the target ends exactly right.

The activity runs here as Temporal would run its attempts: one that fails before its commit,
one cancelled before it, one cancelled while it commits, and one retried after an attempt
that committed but whose answer was lost. The run through the workflow is checked too: one
activity on the task queue, a step record for the extract and for the load, and its history
recorded (``make record-histories``) for the replay tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.commit_guard import CommitGuard
from activities.extract_load import ExtractLoadActivities
from activities.load import LoadActivities
from activities.plan import PlanActivities
from activities.records import RecordActivities
from activities.runtime import ActivityDeps
from connectors.postgres.load import retired
from connectors.postgres.sql import Relation
from core.secrets import Cipher
from core.settings import Settings
from domain.planner import staging_prefix
from store import runs as run_store
from store.db import Database
from tests.pipelines import (
    create_connection,
    create_pipeline,
    execute,
    fill_mixed_table,
    run_to_end,
    table_fingerprint,
    unique_name,
    wait_finished,
)
from tests.replay.recording import record
from tests.workflows.runs import scheduled_work, store_running_run
from tests.workflows.test_pipeline_run import _wait_task
from workflows.payloads import ExtractLoadStep, RecordRun, RunInput, StepResult

ROWS = 2_000
OLD = 300  # rows of negative ids the target holds before each attempt


@dataclass
class Copy:
    """One run's fused step, the activities that run it and the tables it touches."""

    activities: ExtractLoadActivities
    loads: LoadActivities
    deps: ActivityDeps
    step: ExtractLoadStep
    table: str
    source: asyncpg.Connection
    target: asyncpg.Connection
    mode: str

    async def attempt(
        self, number: int, *, cancel_at: str | None = None
    ) -> list[StepResult] | BaseException:
        """Attempt ``number`` of the activity; ``cancel_at``: cancelled at that commit phase.
        Its result, or what it raised."""
        env = ActivityEnvironment()
        env.info = dataclasses.replace(env.info, attempt=number, activity_type="extract_load")
        if cancel_at is not None:
            self.deps.commit_hook = _CancelAt(cancel_at, env)
        try:
            return await env.run(self.activities.extract_load, self.step)
        except (ApplicationError, asyncio.CancelledError) as exc:
            return exc
        finally:
            self.deps.commit_hook = None

    async def outcome(self) -> StepResult | None:
        return await ActivityEnvironment().run(self.loads.outcome, self.step.load)

    async def staged_left(self) -> list[str]:
        rows = await self.target.fetch(
            "SELECT tablename FROM pg_tables WHERE starts_with(tablename, $1)",
            staging_prefix(self.step.load.ref.execution_id),
        )
        return [r[0] for r in rows]

    async def expected(self, before: tuple[int, str]) -> None:
        """The target holds every source row once, and (append) the old rows untouched."""
        new_rows = f"(SELECT * FROM {self.table} WHERE id > 0)"
        old_rows = f"(SELECT * FROM {self.table} WHERE id < 0)"
        assert await table_fingerprint(self.target, new_rows) == await table_fingerprint(
            self.source, self.table
        )
        if self.mode == "append":
            assert await table_fingerprint(self.target, old_rows) == before
        else:
            assert (await table_fingerprint(self.target, old_rows))[0] == 0


class _CancelAt:
    """The commit hook: at ``phase`` the activity is cancelled, and waits until it knows."""

    def __init__(self, phase: str, env: ActivityEnvironment) -> None:
        self.phase = phase
        self.env = env

    async def __call__(self, phase: str, guard: CommitGuard) -> None:
        if phase != self.phase:
            return
        self.env.cancel()
        deadline = time.monotonic() + 30
        while not guard.cancel_arrived:  # at "check" the cancel meets the load right here
            assert time.monotonic() < deadline, "the cancel never reached the load"
            await asyncio.sleep(0.01)


class _FailAt:
    """The commit hook: the attempt fails at ``phase`` (before its commit)."""

    def __init__(self, phase: str) -> None:
        self.phase = phase

    async def __call__(self, phase: str, guard: CommitGuard) -> None:
        if phase == self.phase:
            raise ConnectionResetError("the connection dropped")


async def _old_target(target: asyncpg.Connection, table: str) -> tuple[int, str]:
    await fill_mixed_table(target, table, OLD)
    await target.execute(f"UPDATE {table} SET id = -id, note = 'old'")
    return await table_fingerprint(target, f"(SELECT * FROM {table} WHERE id < 0)")


@pytest.fixture
async def copies(
    api: httpx.AsyncClient, db: Database, settings: Settings, source, target, source_db, target_db
) -> AsyncIterator:
    deps = ActivityDeps(db, Cipher.from_settings(settings), settings)

    async def make(mode: str) -> Copy:
        table = unique_name(f"fused_{mode}")
        await fill_mixed_table(source, table, ROWS)
        src = await create_connection(api, source_db, unique_name("src"))
        dst = await create_connection(api, target_db, unique_name("dst"))
        sink = {"connection": dst, "table": table, "mode": mode}
        pipeline = await create_pipeline(
            api,
            unique_name(f"fused-{mode}"),
            {"sources": {"rows": {"connection": src, "table": table}}, "sinks": {"wh": sink}},
        )
        execution_id = f"exec-{unique_name('fused')}"
        await store_running_run(db, pipeline, execution_id)
        run = RunInput(execution_id, "default", pipeline, 1)
        plan = await ActivityEnvironment().run(PlanActivities(deps).plan_run, run)
        assert plan.fused, plan
        step = ExtractLoadStep(plan.extracts[0], plan.loads[0])
        return Copy(
            ExtractLoadActivities(deps),
            LoadActivities(deps),
            deps,
            step,
            table,
            source,
            target,
            mode,
        )

    yield make


@pytest.mark.parametrize("mode", ["replace", "append"])
async def test_a_retried_attempt_leaves_the_target_exactly_right(copies, db: Database, mode: str):
    copy: Copy = await copies(mode)
    before = await _old_target(copy.target, copy.table)
    whole = await table_fingerprint(copy.target, copy.table)

    # Attempt 1 fails just before its commit: the target is as it was, nothing is staged.
    copy.deps.commit_hook = _FailAt("check")
    failed = await copy.attempt(1)
    assert isinstance(failed, ApplicationError), failed
    assert failed.details and failed.details[0] == copy.step.load.ref.name  # the failed step
    assert await table_fingerprint(copy.target, copy.table) == whole
    assert await copy.staged_left() == [] and await copy.outcome() is None

    # Attempt 2 commits.
    done = await copy.attempt(2)
    assert done == [
        StepResult(copy.step.extract.ref.name, ROWS, done[0].bytes),  # type: ignore[index]
        StepResult(copy.step.load.ref.name, ROWS),
    ]
    await copy.expected(before)
    loaded = await table_fingerprint(copy.target, copy.table)

    # Attempt 3: Temporal never heard attempt 2's answer. It finds the load in the ledger.
    again = await copy.attempt(3)
    assert [(r.name, r.rows) for r in again] == [(r.name, r.rows) for r in done]  # type: ignore[union-attr]
    assert await table_fingerprint(copy.target, copy.table) == loaded
    assert await copy.staged_left() == []
    assert await copy.outcome() == StepResult(copy.step.load.ref.name, ROWS)
    async with db.session() as session:
        steps = await run_store.steps(session, copy.step.load.ref.execution_id)
    assert [(s.name, s.kind, s.status, s.attempt, s.rows) for s in steps] == [
        (copy.step.extract.ref.name, "extract", "COMPLETED", 3, ROWS),
        (copy.step.load.ref.name, "load", "COMPLETED", 3, ROWS),
    ]


async def test_the_runs_end_is_recorded_as_its_last_load_commits(copies, db: Database):
    """A step that ends the run records the run COMPLETED once its load has committed; the
    workflow's own record of that end then changes nothing, but a note it brings (a cancel
    that came after the commit) is added. An attempt that did not commit, or whose commit a
    cancel met, records nothing: the workflow's record decides."""
    copy: Copy = await copies("replace")
    copy.step = dataclasses.replace(
        copy.step, load=dataclasses.replace(copy.step.load, run_steps=2)
    )
    execution_id = copy.step.load.ref.execution_id

    async def run_row() -> tuple[str, str | None, list[str]]:
        async with db.session() as session:
            row = await run_store.get(session, "default", execution_id)
            lines = await run_store.logs(session, execution_id, task="run", lines=10)
        return row.status, row.note, [line.message for line in lines]

    copy.deps.commit_hook = _FailAt("check")
    assert isinstance(await copy.attempt(1), ApplicationError)
    assert (await run_row())[0] == "RUNNING"

    late = await copy.attempt(2, cancel_at="commit")  # committed, but a cancel met the commit
    assert not isinstance(late, BaseException), late
    assert (await run_row())[0] == "RUNNING"  # the workflow records it, with its note

    done = await copy.attempt(3)  # finds its load in the ledger, and ends the run
    assert not isinstance(done, BaseException), done
    assert await run_row() == ("COMPLETED", None, [f"run completed: {ROWS} rows loaded"])

    records = RecordActivities(db)
    await records.record_run(RecordRun.completed(execution_id, "default", 2, ROWS, None))
    assert await run_row() == ("COMPLETED", None, [f"run completed: {ROWS} rows loaded"])
    await records.record_run(RecordRun.completed(execution_id, "default", 2, ROWS, "too late"))
    status, note, lines = await run_row()
    assert (status, note) == ("COMPLETED", "too late")
    assert lines == [
        f"run completed: {ROWS} rows loaded",
        f"run completed: {ROWS} rows loaded; too late",
    ]


@pytest.mark.parametrize("widened", [False, True])
async def test_an_append_copies_straight_into_a_table_of_exactly_its_columns(
    copies, db: Database, widened: bool
):
    """An append to a table with exactly the rows' columns and types takes them straight from
    the source; one whose table differs (a wider column here) goes through a staged copy and
    the INSERT's casts. Both append every row once and leave nothing staged."""
    copy: Copy = await copies("append")
    before = await _old_target(copy.target, copy.table)
    if widened:
        await copy.target.execute(f"ALTER TABLE {copy.table} ALTER COLUMN amount TYPE numeric")
    assert not isinstance(await copy.attempt(1), BaseException)
    await copy.expected(before)
    assert await copy.staged_left() == []
    async with db.session() as session:
        lines = await run_store.logs(
            session, copy.step.extract.ref.execution_id, task=copy.step.extract.ref.name, lines=20
        )
    copied = [line.message for line in lines if line.message.startswith("copying")]
    into = copy.step.extract.staging_table if widened else f"public.{copy.table}"
    assert copied == [f"copying columns=8 into={into}"], copied


async def test_a_replace_drops_the_old_table_after_its_commit_or_at_the_next_attempt(copies):
    """The target's old table is dropped once the swap has committed; one an attempt left
    (its worker stopped between its commit and that drop) goes with the next attempt."""
    copy: Copy = await copies("replace")
    before = await _old_target(copy.target, copy.table)
    assert not isinstance(await copy.attempt(1), BaseException)
    await copy.expected(before)
    assert await copy.staged_left() == []

    left = retired(Relation.parse(copy.step.extract.staging_table))
    await copy.target.execute(f"CREATE TABLE {left.sql} AS SELECT 1 AS id")
    assert await copy.staged_left() == [left.name]
    again = await copy.attempt(2)  # finds the load in the ledger
    assert not isinstance(again, BaseException), again
    await copy.expected(before)
    assert await copy.staged_left() == []


async def test_a_replace_under_a_view_stops_and_changes_nothing(copies):
    """A view on the target would be left reading the old rows: the replace stops before its
    commit, says what depends on the target and what to do, and leaves everything as it was."""
    copy: Copy = await copies("replace")
    await _old_target(copy.target, copy.table)
    view = unique_name("on_target")
    await copy.target.execute(f"CREATE VIEW {view} AS SELECT id FROM {copy.table}")
    whole = await table_fingerprint(copy.target, copy.table)

    failed = await copy.attempt(1)
    assert isinstance(failed, ApplicationError), failed
    assert failed.type == "INVALID_TARGET" and failed.non_retryable, failed
    assert f"view {view}" in failed.message and copy.table in failed.message, failed.message
    assert "_old" not in failed.message and "append or merge" in failed.message, failed.message
    assert await table_fingerprint(copy.target, copy.table) == whole
    assert await copy.target.fetchval(f"SELECT count(*) FROM {view}") == OLD
    assert await copy.staged_left() == [] and await copy.outcome() is None


@pytest.mark.parametrize("mode", ["replace", "append"])
async def test_a_cancel_ends_as_the_target_says(copies, mode: str):
    copy: Copy = await copies(mode)
    before = await _old_target(copy.target, copy.table)
    whole = await table_fingerprint(copy.target, copy.table)

    # Cancelled at the last look for a cancel: rolled back, the target as it was.
    cancelled = await copy.attempt(1, cancel_at="check")
    assert isinstance(cancelled, asyncio.CancelledError), cancelled
    assert await table_fingerprint(copy.target, copy.table) == whole
    assert await copy.staged_left() == [] and await copy.outcome() is None

    # Cancelled while it commits: too late, the rows stay and the attempt says so.
    late = await copy.attempt(2, cancel_at="commit")
    assert [(r.name, r.rows) for r in late] == [  # type: ignore[union-attr]
        (copy.step.extract.ref.name, ROWS),
        (copy.step.load.ref.name, ROWS),
    ]
    await copy.expected(before)
    assert await copy.staged_left() == []
    assert await copy.outcome() == StepResult(copy.step.load.ref.name, ROWS)


async def test_a_plain_copy_runs_as_one_activity(
    api: httpx.AsyncClient, client: Client, source, target, source_db, target_db
):
    table = unique_name("fused_run")
    await fill_mixed_table(source, table, ROWS)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    pipeline = await create_pipeline(
        api,
        unique_name("fused-run"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}", "mode": "replace"}},
        },
    )
    run = await run_to_end(api, pipeline)
    assert run["status"] == "COMPLETED", run
    await record(client.get_workflow_handle(run["workflowId"]), "pipeline_run_extract_load")
    assert (await scheduled_work(client, run["workflowId"]))[0] == ["extract_load"]
    assert [(t["name"], t["kind"], t["status"], t["rows"]) for t in run["tasks"]] == [
        ("extract_rows", "extract", "COMPLETED", ROWS),
        ("load_wh", "load", "COMPLETED", ROWS),
    ]
    assert await table_fingerprint(target, f"wh.{table}") == await table_fingerprint(source, table)


async def test_a_plain_copy_cancelled_mid_extract_leaves_the_target_as_it_was(
    api: httpx.AsyncClient, client: Client, source, target, source_db, target_db
):
    table = unique_name("fused_cancel")
    await fill_mixed_table(source, table, 10)
    before = await _old_target(target, table)
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    pipeline = await create_pipeline(
        api,
        unique_name("fused-cancel"),
        {
            "sources": {
                "rows": {"connection": src, "query": f"SELECT t.* FROM {table} t, pg_sleep(30) s"}
            },
            "sinks": {"wh": {"connection": dst, "table": table, "mode": "append"}},
        },
    )
    execution = await execute(api, pipeline)
    await _wait_task(api, execution, "extract_rows")
    await api.post(f"/v1/pipelines/executions/{execution}/cancel")
    run = await wait_finished(api, execution)
    assert run["status"] == "CANCELLED", run
    await record(
        client.get_workflow_handle(run["workflowId"]), "pipeline_run_extract_load_cancelled"
    )
    # The one activity, then the target's word on whether its load had committed.
    assert (await scheduled_work(client, run["workflowId"]))[0] == ["extract_load", "load_outcome"]
    assert await table_fingerprint(target, table) == before
