"""GET /api/v1/observability/metrics (AI-ETL platform API): run metrics over a time window, per
hour.

Every figure is a number: ``aggregates.count`` is how many finished runs ``success_rate`` and
``avg_duration_seconds`` are computed over, and both are 0 when it is 0.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import SessionDep, SettingsDep, Viewer
from api.errors import invalid
from api.surfaces.platform.words import run_word
from domain import cost
from services import monitoring
from store import monitoring as monitoring_store
from store.models import utcnow

router = APIRouter(prefix="/api/v1/observability", tags=["observability (AI-ETL platform API)"])

METRICS = {
    "pipeline_executions": "runs started, per pipeline and status",
    "rows_processed": "rows extracted",
    "rows_loaded": "rows loaded into targets",
    "bytes_processed": "bytes extracted",
    "duration_seconds": "mean duration of finished runs",
    "cost_usd": "estimated cost (see /v1/pipelines/{id}/cost)",
}
INTERVALS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def _bad(name: str, message: str) -> Exception:
    return invalid(message, [{"loc": ["query", name], "msg": message, "type": "value_error"}])


@router.get("/metrics")
async def metrics(
    session: SessionDep,
    settings: SettingsDep,
    principal: Viewer,
    start: Annotated[datetime | None, Query(description="default: 24 hours before end")] = None,
    end: Annotated[datetime | None, Query(description="default: now")] = None,
    metric: Annotated[str, Query(description=", ".join(METRICS))] = "pipeline_executions",
    interval: Annotated[str, Query(description="minute, hour or day")] = "hour",
    pipeline_id: str | None = None,
) -> dict[str, Any]:
    if metric not in METRICS:
        raise _bad("metric", f"unknown metric {metric!r}: use one of {', '.join(METRICS)}")
    if interval not in INTERVALS:
        raise _bad("interval", f"unknown interval {interval!r}: use minute, hour or day")
    end = _aware(end) if end else utcnow()
    start = _aware(start) if start else end - timedelta(hours=24)
    if start >= end:
        raise _bad("start", f"start {start.isoformat()} is not before end {end.isoformat()}")
    names = await monitoring_store.pipeline_names(session, principal.tenant_id)
    runs = await monitoring_store.runs_between(
        session, principal.tenant_id, start, end, pipeline_id=pipeline_id
    )
    step = INTERVALS[interval]
    buckets: dict[tuple[datetime, str, str], list[monitoring.Run]] = {}
    for run in runs:
        execution = run[0]
        ts = start + step * ((execution.submitted_at - start) // step)
        key = (ts, names.get(execution.pipeline_id, execution.pipeline_id), execution.status)
        buckets.setdefault(key, []).append(run)
    points = [
        {
            "timestamp": ts.isoformat(),
            "value": _value(metric, bucket, settings),
            "labels": {"pipeline": pipeline, "status": run_word(status)},
        }
        for (ts, pipeline, status), bucket in sorted(buckets.items())
    ]
    summary = monitoring.summarize(runs, settings.cost)
    return {
        "metric": metric,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "interval": interval,
        "metrics": points,
        # Numbers always: over no finished runs (count 0) the rate and the mean are 0.
        "aggregates": {
            "total": summary.execution_count,
            "count": summary.finished,
            "success_rate": summary.success_rate or 0,
            "avg_duration_seconds": round((summary.avg_duration_ms or 0) / 1000, 3),
            "rows_processed": summary.rows_processed,
            "cost_usd": summary.cost_usd,
        },
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def _value(metric: str, runs: list[monitoring.Run], settings) -> float | int:
    if metric == "pipeline_executions":
        return len(runs)
    if metric == "duration_seconds":
        durations = [d for e, _ in runs if (d := monitoring.duration_ms(e)) is not None]
        return round(sum(durations) / len(durations) / 1000, 3) if durations else 0
    if metric == "cost_usd":
        return monitoring.summarize(runs, settings.cost).cost_usd
    measured = [cost.measure(e, steps) for e, steps in runs]
    if metric == "rows_processed":
        return sum(m.rows_extracted for m in measured)
    if metric == "rows_loaded":
        return sum(m.rows_loaded for m in measured)
    return sum(m.bytes_extracted for m in measured)
