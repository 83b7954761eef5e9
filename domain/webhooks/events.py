"""Which events each webhook surface speaks, and the body each one is sent.

A run that finishes ``completed`` or ``failed`` is one event; each surface names it in its own
words (the AI-ETL platform API: ``pipeline.completed``; the named batch pipelines API:
``SUCCESS``). Bodies carry ids, names,
statuses and times only: never credentials, row data or error text (which may quote rows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.status import RunStatus
from store.models.assets import AssetRun
from store.models.core import Execution, Pipeline

V1 = "v1"
PIPELINE = "pipeline"

EVENTS: dict[str, dict[str, str]] = {
    V1: {"completed": "pipeline.completed", "failed": "pipeline.failed"},
    PIPELINE: {"completed": "SUCCESS", "failed": "FAILURE"},
}

_OUTCOMES = {RunStatus.COMPLETED.value: "completed", RunStatus.FAILED.value: "failed"}


def outcome_of(status: str) -> str | None:
    """The outcome a run's final status notifies, if any (cancelled runs notify nobody)."""
    return _OUTCOMES.get(status)


def event_name(surface: str, outcome: str) -> str:
    return EVENTS[surface][outcome]


def wants(
    events: list[str], pipelines: list[str], surface: str, outcome: str, pipeline: Pipeline
) -> bool:
    return wants_named(events, pipelines, surface, outcome, pipeline.id, pipeline.name)


def wants_named(
    events: list[str], pipelines: list[str], surface: str, outcome: str, *names: str
) -> bool:
    """Whether a webhook wants the outcome of a run of the pipeline known by ``names``."""
    if event_name(surface, outcome) not in events:
        return False
    return not pipelines or any(name in pipelines for name in names)


def payload(surface: str, outcome: str, execution: Execution, pipeline: Pipeline) -> dict[str, Any]:
    """The body of a delivery, before signing; the same on every attempt."""
    timestamp = _iso(execution.finished_at or execution.submitted_at)
    if surface == PIPELINE:
        batch_id = execution.parameters.get("batch_id")
        return {
            "event": "PIPELINE_COMPLETED" if outcome == "completed" else "PIPELINE_FAILED",
            "run_id": execution.id,
            "pipeline": pipeline.name,
            "status": event_name(PIPELINE, outcome),
            "batch_id": batch_id if isinstance(batch_id, str) else None,
            "timestamp": timestamp,
        }
    duration = None
    if execution.started_at and execution.finished_at:
        duration = round((execution.finished_at - execution.started_at).total_seconds(), 3)
    return {
        "event": event_name(V1, outcome),
        "timestamp": timestamp,
        "data": {
            "pipeline_id": pipeline.id,
            "pipeline_name": pipeline.name,
            "run_id": execution.id,
            "status": "success" if outcome == "completed" else "failed",
            "duration_seconds": duration,
        },
    }


def asset_run_payload(outcome: str, run: AssetRun) -> dict[str, Any]:
    """The named batch pipelines API's body for an asset pipeline run."""
    return {
        "event": "PIPELINE_COMPLETED" if outcome == "completed" else "PIPELINE_FAILED",
        "run_id": run.id,
        "pipeline": run.pipeline,
        "status": event_name(PIPELINE, outcome),
        "batch_id": run.batch_id,
        "timestamp": _iso(run.finished_at or run.submitted_at),
    }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
