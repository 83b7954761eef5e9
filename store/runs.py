"""Executions (runs), their steps and their log lines: the durable projection of runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, insert, literal, union_all, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store import pipelines as pipeline_store
from store.db import get_now, held, read_rows
from store.errors import Conflict, NotFound
from store.models import Execution, Pipeline, PipelineVersion, RunLog, RunStep, utcnow
from store.types import UTCDateTime

ACTIVE = ("QUEUED", "RUNNING")


async def get(session: AsyncSession, tenant_id: str, execution_id: str) -> Execution:
    row = await get_now(session, Execution, execution_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"execution {execution_id!r} not found", code="EXECUTION_NOT_FOUND")
    return row


async def get_with_version(
    session: AsyncSession, tenant_id: str, execution_id: str, pipeline_id: str, version: int
) -> tuple[Execution, Pipeline, PipelineVersion]:
    """The tenant's run, its pipeline (not deleted) and the version it runs, read in one query;
    NotFound as ``pipelines.get``, ``pipelines.get_version`` and ``get`` say it, in that order."""
    row = (
        await session.exec(
            select(Execution, Pipeline, PipelineVersion)
            .join(Pipeline, col(Pipeline.id) == col(Execution.pipeline_id))
            .join(PipelineVersion, col(PipelineVersion.pipeline_id) == col(Pipeline.id))
            .where(
                col(Execution.id) == execution_id,
                col(Execution.tenant_id) == tenant_id,
                col(Pipeline.id) == pipeline_id,
                col(Pipeline.tenant_id) == tenant_id,
                col(Pipeline.deleted_at).is_(None),
                col(PipelineVersion.pipeline_id) == pipeline_id,
                col(PipelineVersion.number) == version,
            )
        )
    ).first()
    if row is not None:
        return row[0], row[1], row[2]
    # One of them is missing (or the run is another pipeline's): the reads one by one say
    # which, as callers have always heard.
    pipeline = await pipeline_store.get(session, tenant_id, pipeline_id)
    found_version = await pipeline_store.get_version(session, pipeline_id, version)
    return await get(session, tenant_id, execution_id), pipeline, found_version


_RUN_WITH_STEPS = (
    select(Execution, RunStep)
    .outerjoin(RunStep, col(RunStep.execution_id) == col(Execution.id))
    .where(col(Execution.id) == bindparam("execution_id"))
    .order_by(col(RunStep.id))
)
"""Built once: a client polling a run's status reads it every few milliseconds."""


async def get_with_steps(
    session: AsyncSession, tenant_id: str, execution_id: str
) -> tuple[Execution, list[RunStep]]:
    """The tenant's run and its steps (in the order they began), read in one query (on SQLite
    in the event loop's thread: ``read_rows``), the run then ``session``'s own."""
    rows = await read_rows(session, _RUN_WITH_STEPS, {"execution_id": execution_id})
    if not rows or rows[0][0].tenant_id != tenant_id:
        raise NotFound(f"execution {execution_id!r} not found", code="EXECUTION_NOT_FOUND")
    return await held(session, rows[0][0]), [step for _, step in rows if step is not None]


async def create(session: AsyncSession, execution: Execution) -> Execution:
    """Record a queued run; Conflict when the pipeline already has one in progress."""
    session.add(execution)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        if await active_for_pipeline(session, execution.pipeline_id) is None:
            raise  # another constraint (an unknown pipeline): not a concurrent run
        raise Conflict(
            f"pipeline {execution.pipeline_id} is already running; wait for it or cancel it",
            code="PIPELINE_ALREADY_RUNNING",
        ) from None
    return execution


async def discard(session: AsyncSession, execution: Execution) -> None:
    """Remove an execution whose workflow never started."""
    await session.delete(execution)
    await session.commit()


async def page(
    session: AsyncSession,
    tenant_id: str,
    *,
    pipeline_id: str | None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Execution], int]:
    where = [Execution.tenant_id == tenant_id]
    if pipeline_id:
        where.append(Execution.pipeline_id == pipeline_id)
    if status:
        where.append(Execution.status == status.upper())
    total = (await session.exec(select(func.count()).select_from(Execution).where(*where))).one()
    rows = await session.exec(
        select(Execution)
        .where(*where)
        .order_by(col(Execution.submitted_at).desc(), col(Execution.id))
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


async def active_for_pipeline(session: AsyncSession, pipeline_id: str) -> Execution | None:
    result = await session.exec(
        select(Execution).where(
            Execution.pipeline_id == pipeline_id, col(Execution.status).in_(ACTIVE)
        )
    )
    return result.first()


async def active_before(session: AsyncSession, submitted_before: datetime) -> list[Execution]:
    """Runs of every tenant still queued or running that were submitted before a time."""
    result = await session.exec(
        select(Execution).where(
            col(Execution.status).in_(ACTIVE), col(Execution.submitted_at) < submitted_before
        )
    )
    return list(result)


async def set_status(
    session: AsyncSession,
    execution_id: str,
    status: str,
    *,
    total_tasks: int,
    error: str | None = None,
    note: str | None = None,
    log: RunLog | None = None,
) -> bool:
    """Record a run's status; False when the run had already finished. A finished run is
    never reopened nor settled twice: whichever end was recorded first stands (the workflow's
    own, or a reconciliation's when its workflow never ran or was terminated). ``log``: a
    line of the run's log that says so, written in the same commit when the status changed."""
    now = utcnow()
    values: dict[str, Any] = {"status": status}
    if total_tasks:
        values["total_tasks"] = total_tasks
    if status == "RUNNING":
        values["started_at"] = func.coalesce(
            col(Execution.started_at), bindparam("now", now, type_=UTCDateTime())
        )
    else:
        values.update(finished_at=now, error=error, note=note)
    result = await session.exec(
        update(Execution)
        .where(col(Execution.id) == execution_id, col(Execution.status).in_(ACTIVE))
        .values(**values)
    )
    if log is not None and result.rowcount:
        await insert_logs(session, [log])
    await session.commit()
    held = identity_key(Execution, execution_id) in session.identity_map
    if result.rowcount and not held:
        return True  # the row exists, and no copy of it in this session is left stale
    # Re-read: a row this session holds shows what the store now has, and a run that did not
    # change is told apart from one that does not exist.
    row = await session.get(Execution, execution_id, populate_existing=True)
    if row is None:
        raise NotFound(f"execution {execution_id!r} not found", code="NOT_FOUND")
    return bool(result.rowcount)


async def add_note(
    session: AsyncSession, execution_id: str, note: str, *, log: RunLog | None = None
) -> bool:
    """A completed run's note, added when it has none: its end was recorded as its last load
    committed, before the workflow knew the note (a cancel that came too late). ``log``: the
    line that says so, in the same commit."""
    result = await session.exec(
        update(Execution)
        .where(
            col(Execution.id) == execution_id,
            col(Execution.status) == "COMPLETED",
            col(Execution.note).is_(None),
        )
        .values(note=note)
    )
    if log is not None and result.rowcount:
        await insert_logs(session, [log])
    await session.commit()
    return bool(result.rowcount)


async def steps(session: AsyncSession, execution_id: str) -> list[RunStep]:
    return (await steps_of(session, [execution_id]))[execution_id]


async def steps_of(session: AsyncSession, execution_ids: list[str]) -> dict[str, list[RunStep]]:
    """The steps of several runs in one query, each run's in the order they began."""
    found: dict[str, list[RunStep]] = {execution_id: [] for execution_id in execution_ids}
    result = await session.exec(
        select(RunStep)
        .where(col(RunStep.execution_id).in_(execution_ids))
        .order_by(col(RunStep.id))
    )
    for step in result:
        found[step.execution_id].append(step)
    return found


async def write_step(
    session: AsyncSession,
    execution_id: str,
    name: str,
    *,
    kind: str,
    status: str,
    attempt: int,
    rows: int = 0,
    bytes_: int = 0,
    error: str | None = None,
    at: datetime | None = None,
) -> None:
    """Write a step's state in the session's transaction, in one statement: its row made, or
    updated (a new attempt starts its clock again). ``at``: when the state was reached (a
    write that comes later keeps the step's own times), else now."""
    now = at or utcnow()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    made = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(RunStep).values(
        execution_id=execution_id,
        name=name,
        kind=kind,
        status=status,
        attempt=attempt,
        rows=rows,
        bytes=bytes_,
        error=error,
        started_at=now,
        finished_at=None if status == "RUNNING" else now,
    )
    new = made.excluded
    again = case(
        (col(RunStep.attempt) != new.attempt, new.started_at), else_=col(RunStep.started_at)
    )
    await session.exec(
        made.on_conflict_do_update(
            index_elements=["execution_id", "name"],
            set_={
                "status": new.status,
                "attempt": new.attempt,
                "rows": new.rows,
                "bytes": new.bytes,
                "error": new.error,
                "finished_at": new.finished_at,
                "started_at": again,
            },
        )
    )


async def add_logs(session: AsyncSession, lines: list[RunLog]) -> None:
    await insert_logs(session, lines)
    await session.commit()


async def insert_logs(session: AsyncSession, lines: list[RunLog]) -> None:
    """Write log lines in the session's transaction: one statement however many they are."""
    if lines:
        rows = [line.model_dump(exclude={"id"}) for line in lines]
        await session.exec(insert(RunLog), params=rows)


async def logs(
    session: AsyncSession,
    execution_id: str,
    *,
    task: str | None,
    lines: int,
    after: int | None = None,
) -> list[RunLog]:
    """The run's last ``lines`` log lines, oldest first; with ``after`` (a line's id, 0 for the
    start) the first ``lines`` lines written after that one instead."""
    query = select(RunLog).where(RunLog.execution_id == execution_id)
    if task:
        query = query.where(RunLog.task == task)
    if after is not None:
        result = await session.exec(
            query.where(col(RunLog.id) > after).order_by(col(RunLog.id)).limit(lines)
        )
        return list(result)
    result = await session.exec(query.order_by(col(RunLog.id).desc()).limit(lines))
    return list(reversed(list(result)))


def elapsed_ms(started: datetime | None, finished: datetime | None) -> int | None:
    if started is None:
        return None
    end = finished or utcnow()
    return max(0, int((end - started).total_seconds() * 1000))


def _last_finished(statuses: tuple[str, ...], label: str) -> Any:
    """The last ten finished runs of a pipeline among ``statuses``: their two times, labelled."""
    return (
        select(Execution.started_at, Execution.finished_at, literal(label).label("kind"))
        .where(
            Execution.pipeline_id == bindparam("pipeline_id"),
            col(Execution.status).in_(statuses),
            col(Execution.finished_at).is_not(None),
        )
        .order_by(col(Execution.finished_at).desc())
        .limit(10)
        .subquery()
    )


_COMPLETED = _last_finished(("COMPLETED",), "completed")
_FINISHED = _last_finished(("COMPLETED", "FAILED", "CANCELLED"), "finished")
_LAST_FINISHED = union_all(select(_COMPLETED), select(_FINISHED))
"""Both reads of ``typical_duration_ms`` in one statement, built once: every execute call
answers with it, so neither the round trip nor the statement's cache key is paid twice."""


async def typical_duration_ms(session: AsyncSession, pipeline_id: str) -> int | None:
    """Median duration of the pipeline's last ten completed runs; before the first completed
    one, of its last ten finished runs (failed or cancelled: still how long it takes to get
    there); None before any run has finished. Only the two times are read (no row objects)."""
    rows = await read_rows(session, _LAST_FINISHED, {"pipeline_id": pipeline_id})
    completed = [(s, f) for s, f, kind in rows if kind == "completed"]
    durations = sorted(
        ms
        for started, finished in completed or [(s, f) for s, f, kind in rows if kind == "finished"]
        if (ms := elapsed_ms(started, finished)) is not None
    )
    return durations[len(durations) // 2] if durations else None
