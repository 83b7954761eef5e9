"""An asset run as the dashboard shows it, and its live updates.

``asset_run_view`` turns a run of an asset pipeline (``services.asset_pipelines.view``: the run
and each asset's materialisation) into what the templates draw: its status and timing, and per
asset its dependencies, status, start, end and output. ``asset_run_events`` streams the run's
``progress`` part through ``live.live_events`` until the run ends.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from temporalio.client import Client

from api.dashboard.live import Parts, live_events
from api.dashboard.rendering import templates
from core.settings import Settings
from core.temporal import workflow_ui_url
from domain.status import RunStatus
from services import asset_pipelines
from store import runs as run_store
from store.asset_runs import ACTIVE
from store.db import Database


def _dependencies(definition: dict[str, Any]) -> dict[str, list[str]]:
    """Each asset's dependencies in the definition the run executes (its snapshot)."""
    assets = definition.get("assets") or []
    return {str(a.get("name")): [str(d) for d in a.get("deps") or []] for a in assets}


def asset_run_view(view: asset_pipelines.AssetRunView, settings: Settings) -> dict[str, Any]:
    run = view.run
    status = RunStatus(run.status)
    deps = _dependencies(run.definition)
    assets = []
    for row in view.assets:
        assets.append(
            {
                "name": row.asset,
                "deps": deps.get(row.asset, []),
                "status": row.status,
                "started_at": row.started_at,
                "finished_at": row.finished_at,
                "duration_ms": run_store.elapsed_ms(row.started_at, row.finished_at),
                "output_json": json.dumps(row.output, indent=2, sort_keys=True)
                if row.output
                else "",
                "error": row.error,
            }
        )
    done = sum(1 for a in assets if a["status"] not in ACTIVE)
    return {
        "id": run.id,
        "pipeline": run.pipeline,
        "built_in": run.built_in,
        "status": status.value,
        "finished": status.finished,
        "batch_id": run.batch_id,
        "config": run.config,
        "done": done,
        "total": len(assets),
        "percentage": round(100 * done / len(assets)) if assets else 0,
        "submitted_at": run.submitted_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "elapsed_ms": run_store.elapsed_ms(run.started_at, run.finished_at),
        "error": run.error,
        "failed_asset": run.failed_asset,
        "workflow_id": run.workflow_id,
        "temporal_url": workflow_ui_url(settings, run.workflow_id),
        "assets": assets,
    }


async def read_asset_run(
    db: Database, client: Client, settings: Settings, tenant_id: str, run_id: str
) -> dict[str, Any]:
    """The run's view (NotFound: RUN_NOT_FOUND, for another tenant's run too)."""
    async with db.session() as session:
        view = await asset_pipelines.view(session, client, tenant_id, run_id)
    return asset_run_view(view, settings)


def asset_run_events(
    request: Request,
    db: Database,
    client: Client,
    settings: Settings,
    tenant_id: str,
    run_id: str,
    context: dict[str, Any],
) -> AsyncIterator[str]:
    """The asset run page's stream (see ``live.live_events``)."""

    async def read() -> tuple[Parts, str | None]:
        run = await read_asset_run(db, client, settings, tenant_id, run_id)
        live = templates.get_template("_asset_run_live.html").render(run=run, **context)
        return {"progress": live}, run["status"] if run["finished"] else None

    return live_events(request, read)
