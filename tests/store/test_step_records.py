"""An activity's step records (activities.step_records) as the store keeps them: written in
order, the ones that queue up during a write or its linger written together, each with the
time its state was reached; a write that failed is tried again with what followed it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from activities.step_records import StepRecord, StepRecords
from store import runs as run_store
from store.models import RunLog, utcnow


@pytest.fixture
async def execution(make, tenant):
    pipeline = await make.pipeline(tenant)
    return await make.execution(tenant, pipeline.id, status="RUNNING")


def _state(execution, name: str, status: str, *, rows: int = 0, **fields) -> StepRecord:
    kind = name.split("_")[0]
    return StepRecord(execution.id, name, kind, status, 1, rows, 0, **fields)


def _line(execution, task: str, message: str) -> RunLog:
    return RunLog(execution_id=execution.id, ts=utcnow(), level="INFO", task=task, message=message)


async def test_a_step_end_and_the_next_start_are_written_together(database, execution):
    records = StepRecords(database)
    commits: list[list[str]] = []
    write = records._commit

    async def counted(batch: list[StepRecord]) -> None:
        commits.append([f"{r.name}:{r.status}" for r in batch])
        await write(batch)

    records._commit = counted  # type: ignore[method-assign]
    started = utcnow() - timedelta(seconds=5)  # reached well before it is written
    records.save(_state(execution, "extract_a", "RUNNING", at=started))
    await records.settled()
    ended = utcnow() - timedelta(seconds=2)
    line = _line(execution, "extract_a", "finished")
    records.save(_state(execution, "extract_a", "COMPLETED", rows=10, at=ended, lines=[line]))
    records.save(_state(execution, "load_b", "RUNNING", at=ended))
    records.save(_state(execution, "load_b", "COMPLETED", rows=10))
    await records.settled()

    assert commits == [
        ["extract_a:RUNNING"],
        ["extract_a:COMPLETED", "load_b:RUNNING", "load_b:COMPLETED"],
    ]
    async with database.session() as session:
        steps = await run_store.steps(session, execution.id)
        logs = await run_store.logs(session, execution.id, task=None, lines=10)
    assert [(s.name, s.status, s.rows) for s in steps] == [
        ("extract_a", "COMPLETED", 10),
        ("load_b", "COMPLETED", 10),
    ]
    extract, load = steps
    assert extract.finished_at is not None and load.finished_at is not None
    assert abs(extract.started_at - started) < timedelta(milliseconds=1)
    assert abs(extract.finished_at - ended) < timedelta(milliseconds=1)
    assert abs(load.started_at - ended) < timedelta(milliseconds=1)
    assert load.finished_at > load.started_at
    assert [line.message for line in logs] == ["finished"]


async def test_a_short_step_is_one_write_and_a_long_one_shows_while_it_runs(database, execution):
    records = StepRecords(database, linger=0.2)
    commits: list[list[str]] = []
    write = records._commit

    async def counted(batch: list[StepRecord]) -> None:
        commits.append([f"{r.name}:{r.status}" for r in batch])
        await write(batch)

    records._commit = counted  # type: ignore[method-assign]
    records.save(_state(execution, "extract_a", "RUNNING"))
    await asyncio.sleep(0.05)  # ends within the linger
    records.save(_state(execution, "extract_a", "COMPLETED", rows=1))
    await records.settled()
    assert commits == [["extract_a:RUNNING", "extract_a:COMPLETED"]]

    longer = StepRecords(database, linger=0.05)
    longer.save(_state(execution, "load_b", "RUNNING"))
    await asyncio.sleep(0.3)  # past the linger: the running step is in the store
    async with database.session() as session:
        steps = await run_store.steps(session, execution.id)
    assert [(s.name, s.status) for s in steps] == [
        ("extract_a", "COMPLETED"),
        ("load_b", "RUNNING"),
    ]
    longer.save(_state(execution, "load_b", "COMPLETED"))
    await longer.settled()


async def test_a_failed_write_is_tried_again_with_what_followed(database, execution):
    records = StepRecords(database, linger=0)
    write = records._commit
    failures = [ConnectionError("the store is away")]

    async def flaky(batch: list[StepRecord]) -> None:
        if failures:
            raise failures.pop()
        await write(batch)

    records._commit = flaky  # type: ignore[method-assign]
    records.save(_state(execution, "extract_a", "RUNNING"))
    await asyncio.sleep(0.05)  # the first write fails in the background
    records.save(_state(execution, "extract_a", "COMPLETED", rows=3))
    await records.settled()
    async with database.session() as session:
        steps = await run_store.steps(session, execution.id)
    assert [(s.name, s.status, s.rows) for s in steps] == [("extract_a", "COMPLETED", 3)]


async def test_a_write_that_fails_twice_is_raised(database, execution):
    records = StepRecords(database, linger=0)

    async def down(batch: list[StepRecord]) -> None:
        raise ConnectionError("the store is away")

    records._commit = down  # type: ignore[method-assign]
    records.save(_state(execution, "extract_a", "COMPLETED"))
    with pytest.raises(ConnectionError):
        await records.settled()
