"""Measurements of a pipeline's recent runs, read from the store's run projection."""

from __future__ import annotations

from statistics import median

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ai.analysis.facts import RunMeasurements
from domain.status import RunStatus
from store import runs as run_store
from store.models import Execution

RECENT_RUNS = 10


async def measure_runs(
    session: AsyncSession, tenant_id: str, pipeline_id: str
) -> RunMeasurements | None:
    """Medians over the last finished runs (completed ones only); None before the first."""
    result = await session.exec(
        select(Execution)
        .where(
            Execution.tenant_id == tenant_id,
            Execution.pipeline_id == pipeline_id,
            col(Execution.status).in_((RunStatus.COMPLETED.value, RunStatus.FAILED.value)),
        )
        .order_by(col(Execution.submitted_at).desc())
        .limit(RECENT_RUNS)
    )
    recent = list(result)
    completed = [
        r for r in recent if r.status == RunStatus.COMPLETED and r.started_at and r.finished_at
    ]
    if not completed:
        return None
    steps = await run_store.steps_of(session, [r.id for r in completed])
    durations, extracted, loaded = [], [], []
    per_kind: dict[str, list[int]] = {}
    for run in completed:
        durations.append(run_store.elapsed_ms(run.started_at, run.finished_at) or 0)
        run_steps = steps[run.id]
        extracted.append(sum(s.rows for s in run_steps if s.kind == "extract"))
        loaded.append(sum(s.rows for s in run_steps if s.kind == "load"))
        kinds: dict[str, int] = {}
        for s in run_steps:
            ms = run_store.elapsed_ms(s.started_at, s.finished_at) or 0
            kinds[s.kind] = kinds.get(s.kind, 0) + ms
        for kind, ms in kinds.items():
            per_kind.setdefault(kind, []).append(ms)
    return RunMeasurements(
        runs=len(completed),
        failed_runs=sum(1 for r in recent if r.status == RunStatus.FAILED),
        median_duration_ms=int(median(durations)),
        median_rows_extracted=int(median(extracted)),
        median_rows_loaded=int(median(loaded)),
        step_ms={kind: int(median(values)) for kind, values in per_kind.items()},
    )
