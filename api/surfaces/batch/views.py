"""Runs in the named batch pipelines API's words: asset runs and Ductwork runs alike."""

from __future__ import annotations

from typing import Any

from api.surfaces.batch.schemas.batch_pipelines import (
    AssetOut,
    FailureDetails,
    RunFailure,
    RunOut,
    RunSummary,
)
from api.surfaces.batch.words import RUN_WORDS, from_word, run_word
from domain.status import RunStatus
from services.asset_pipelines import AssetRunView
from store.asset_runs import seconds_between
from store.models import Execution, RunStep
from store.models.assets import AssetMaterialization, AssetRun


def batch_of(parameters: dict[str, Any]) -> str | None:
    """A run's batch: its ``batch_id`` parameter (``batchId`` from the pipeline service API);
    None when the run was started without one."""
    for key in ("batch_id", "batchId"):
        value = parameters.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def asset_word(status: str) -> str:
    """An asset's status word; SKIPPED (an earlier asset failed) is its own."""
    word = from_word(status)
    return RUN_WORDS[word] if word else status


def failure(failed_asset: str | None, error: str | None) -> RunFailure:
    return RunFailure(details=FailureDetails(failed_asset=failed_asset, error=error or "failed"))


def asset_run_out(view: AssetRunView) -> RunOut:
    run = view.run
    status = RunStatus(run.status)
    return RunOut(
        run_id=run.id,
        pipeline=run.pipeline,
        status=RUN_WORDS[status],
        batch_id=run.batch_id,
        config=run.config,
        started_at=run.started_at or run.submitted_at,
        ended_at=run.finished_at if status.finished else None,
        duration_seconds=seconds_between(run.started_at or run.submitted_at, run.finished_at),
        assets={a.asset: _asset(a) for a in view.assets},
        error=failure(run.failed_asset, run.error) if status is RunStatus.FAILED else None,
    )


def _asset(row: AssetMaterialization) -> AssetOut:
    return AssetOut(
        status=asset_word(row.status),
        started_at=row.started_at,
        ended_at=row.finished_at,
        output=row.output,
        error=row.error,
    )


def asset_run_summary(run: AssetRun) -> RunSummary:
    return RunSummary(
        run_id=run.id,
        pipeline=run.pipeline,
        status=run_word(run.status),
        batch_id=run.batch_id,
        started_at=run.started_at or run.submitted_at,
        duration_seconds=seconds_between(run.started_at or run.submitted_at, run.finished_at),
        error=run.error,
    )


def step_out(step: RunStep) -> AssetOut:
    return AssetOut(
        status=asset_word(step.status),
        started_at=step.started_at,
        ended_at=step.finished_at,
        output={"kind": step.kind, "rows": step.rows, "bytes": step.bytes},
        error=step.error,
    )


def run_failure(row: Execution, steps: list[RunStep]) -> RunFailure | None:
    """A failed Ductwork run's error: the step that failed and its message."""
    if RunStatus(row.status) is not RunStatus.FAILED:
        return None
    failed = next((s for s in steps if s.status == RunStatus.FAILED.value), None)
    return failure(failed.name if failed else None, (failed.error if failed else None) or row.error)


def run_summary(row: Execution, pipeline: str) -> RunSummary:
    return RunSummary(
        run_id=row.id,
        pipeline=pipeline,
        status=run_word(row.status),
        batch_id=batch_of(row.parameters),
        started_at=row.started_at or row.submitted_at,
        duration_seconds=seconds_between(row.started_at or row.submitted_at, row.finished_at),
        error=row.error,
    )
