"""Cost estimates (pipeline service API): one execution's, and a pipeline's over a period, with its
trend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import SessionDep, SettingsDep, Viewer
from api.surfaces.pipeline_service.routes.monitoring import period_of
from core.settings import CostSettings
from domain import cost
from store import monitoring as monitoring_store
from store import pipelines as pipeline_store
from store import runs as run_store
from store.models import utcnow

router = APIRouter(prefix="/v1/pipelines", tags=["cost"])


def _rates(rates: CostSettings) -> dict[str, float]:
    return {
        "computeUsdPerHour": rates.compute_usd_per_hour,
        "storageUsdPerGbMonth": rates.storage_usd_per_gb_month,
        "networkUsdPerGb": rates.network_usd_per_gb,
        "llmUsdPer1kTokens": rates.llm_usd_per_1k_tokens,
    }


def _measured(m: cost.Measured) -> dict[str, Any]:
    return {
        "computeSeconds": round(m.compute_seconds, 3),
        "bytesExtracted": m.bytes_extracted,
        "bytesLoaded": m.bytes_loaded,
        "rowsExtracted": m.rows_extracted,
        "rowsLoaded": m.rows_loaded,
        "llmTokens": m.llm_tokens,
    }


@router.get("/executions/{execution_id}/cost")
async def execution_cost(
    execution_id: str, session: SessionDep, settings: SettingsDep, principal: Viewer
) -> dict[str, Any]:
    """The estimated cost of one run, from its measured step time and bytes."""
    row = await run_store.get(session, principal.tenant_id, execution_id)
    measured = cost.measure(row, await run_store.steps(session, row.id))
    priced = cost.price(measured, settings.cost)
    return {
        "executionId": row.id,
        "pipelineId": row.pipeline_id,
        "status": row.status,
        "currency": "USD",
        "totalCostUsd": cost.usd(priced.total),
        "breakdown": priced.rounded(),
        "measured": _measured(measured),
        "durationMs": run_store.elapsed_ms(row.started_at, row.finished_at),
        "final": row.finished_at is not None,
        "rates": _rates(settings.cost),
        "estimate": True,
        "note": cost.ESTIMATE_NOTE,
    }


@router.get("/{pipeline_id}/cost")
async def pipeline_cost(
    pipeline_id: str,
    session: SessionDep,
    settings: SettingsDep,
    principal: Viewer,
    period: Annotated[str, Query(description="e.g. 7d, 30d")] = "30d",
) -> dict[str, Any]:
    """A pipeline's estimated cost over the period: runs, plus the LLM generations behind it."""
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    since = utcnow() - period_of(period)
    runs = await monitoring_store.runs_between(
        session, principal.tenant_id, since, pipeline_id=pipeline.id
    )
    per_run = []
    run_costs: list[float] = []
    total_measured = cost.Measured()
    total = cost.Cost()
    for execution, steps in runs:
        measured = cost.measure(execution, steps)
        priced = cost.price(measured, settings.cost)
        total_measured += measured
        total = cost.Cost(
            total.compute + priced.compute,
            total.storage + priced.storage,
            total.network + priced.network,
        )
        run_costs.append(cost.usd(priced.total))
        per_run.append(
            {
                "executionId": execution.id,
                "submittedAt": execution.submitted_at.isoformat(),
                "status": execution.status,
                "costUsd": run_costs[-1],
            }
        )
    tokens, reported = await monitoring_store.llm_usage(
        session, principal.tenant_id, pipeline.id, since
    )
    total_measured.llm_tokens = tokens
    total.llm = reported or cost.price(cost.Measured(llm_tokens=tokens), settings.cost).llm
    return {
        "pipelineId": pipeline.id,
        "period": period,
        "since": since.isoformat(),
        "currency": "USD",
        "totalCostUsd": cost.usd(total.total),
        "breakdown": total.rounded(),
        "executionCount": len(runs),
        "costPerExecution": cost.usd(sum(run_costs) / len(run_costs)) if run_costs else 0.0,
        "trend": cost.trend(run_costs, settings.cost.trend_threshold),
        "measured": _measured(total_measured),
        "executions": per_run,
        "rates": _rates(settings.cost),
        "estimate": True,
        "note": cost.ESTIMATE_NOTE,
    }
