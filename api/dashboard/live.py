"""Live pages: a run as the dashboard shows it, and the server-sent events that keep a page of
something in progress up to date.

``live_events`` is the one stream: it re-renders a page's parts every half second and sends the
ones that changed (the page's htmx SSE extension swaps them in place), then ``end`` once the
thing has finished. ``run_events`` gives it a pipeline run's parts: ``progress`` (status, bar,
metrics, timeline), ``approval`` (the approval panel) and ``logs`` (new log lines exist);
``run_view`` turns the one run snapshot every surface reads (``services.runs.snapshot``) into
what the templates draw.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from temporalio.client import Client

from api.dashboard.rendering import templates
from core.settings import Settings
from core.temporal import workflow_ui_url
from services import runs
from store import approvals as approval_store
from store import monitoring as monitoring_store
from store import runs as run_store
from store.db import Database
from store.models.lifecycle import Approval

LIVE_EVERY_SECONDS = 0.5
"""How often an open run page is brought up to date."""
KEEPALIVE_SECONDS = 15.0
"""A comment line this often keeps idle proxies from closing the stream."""


@dataclass
class Bar:
    """One step on the timeline: where it starts and how wide it is, in % of the run."""

    name: str
    kind: str
    status: str
    attempt: int
    rows: int
    duration_ms: int  # so far, for a step still running
    left: float
    width: float
    error: str | None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def timeline(snapshot: runs.RunSnapshot, now: datetime) -> list[Bar]:
    steps = snapshot.steps
    if not steps:
        return []
    start = min(_utc(s.started_at) for s in steps)
    ends = [_utc(s.finished_at) if s.finished_at else now for s in steps]
    span = max((max(ends) - start).total_seconds(), 0.001)
    bars = []
    for step, end in zip(steps, ends, strict=True):
        offset = (_utc(step.started_at) - start).total_seconds()
        length = max((end - _utc(step.started_at)).total_seconds(), 0.0)
        bars.append(
            Bar(
                name=step.name,
                kind=step.kind,
                status=step.status,
                attempt=step.attempt,
                rows=step.rows,
                duration_ms=int(length * 1000),
                left=round(100 * offset / span, 2),
                width=max(round(100 * length / span, 2), 0.5),
                error=step.error,
            )
        )
    return bars


def run_view(
    snapshot: runs.RunSnapshot, settings: Settings, pipeline_name: str, now: datetime | None = None
) -> dict[str, Any]:
    row = snapshot.execution
    now = now or datetime.now(UTC)
    finished_at = row.finished_at or (None if not row.started_at else now)
    return {
        "id": row.id,
        "pipeline_id": row.pipeline_id,
        "pipeline_name": pipeline_name,
        "version": row.pipeline_version,
        "status": snapshot.status.value,
        "finished": snapshot.status.finished,
        "percentage": snapshot.progress.percentage,
        "completed_tasks": snapshot.progress.completed_tasks,
        "total_tasks": snapshot.progress.total_tasks,
        "current_task": snapshot.current_task,
        "rows_processed": snapshot.rows_processed,
        "rows_loaded": snapshot.rows_loaded,
        "bytes_processed": snapshot.bytes_processed,
        "elapsed_ms": run_store.elapsed_ms(row.started_at, finished_at),
        "submitted_at": row.submitted_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "parameters": row.parameters,
        "priority": row.priority,
        "error": row.error,
        "note": row.note,
        "workflow_id": row.workflow_id,
        "temporal_url": workflow_ui_url(settings, row.workflow_id),
        "timeline": timeline(snapshot, now),
    }


async def read_run(
    db: Database, client: Client, settings: Settings, tenant_id: str, execution_id: str
) -> tuple[dict[str, Any], Approval | None, int | None]:
    """The run's view, its latest approval request and the id of its newest log line."""
    async with db.session() as session:
        snapshot = await runs.snapshot(session, client, tenant_id, execution_id)
        names = await monitoring_store.pipeline_names(session, tenant_id)
        approval = await approval_store.latest_for_workflow(
            session, tenant_id, snapshot.execution.workflow_id
        )
        newest = await run_store.logs(session, execution_id, task=None, lines=1)
    name = names.get(snapshot.execution.pipeline_id, snapshot.execution.pipeline_id)
    return run_view(snapshot, settings, name), approval, (newest[0].id if newest else None)


def _event(name: str, html: str) -> str:
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {name}\n{data}\n"


Parts = dict[str, str]
"""A page's live parts by event name: the HTML each is drawn with now."""
ReadParts = Callable[[], Awaitable[tuple[Parts, str | None]]]
"""Reads the parts now, and the final status once the thing has finished (else None)."""


def event_stream(events: AsyncIterator[str]) -> StreamingResponse:
    """The answer that streams a page's events (never cached nor buffered by a proxy)."""
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def live_events(request: Request, read: ReadParts) -> AsyncIterator[str]:
    """A page's stream: each part sent when it changed, until the thing ends (``end``)."""
    sent: Parts = {}
    quiet = 0.0
    while not await request.is_disconnected():
        parts, ended = await read()
        changed = [name for name, html in parts.items() if sent.get(name) != html]
        for name in changed:
            sent[name] = parts[name]
            yield _event(name, parts[name])
        if ended is not None:
            yield _event("end", ended)
            return
        quiet = 0.0 if changed else quiet + LIVE_EVERY_SECONDS
        if quiet >= KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(LIVE_EVERY_SECONDS)


def run_events(
    request: Request,
    db: Database,
    client: Client,
    settings: Settings,
    tenant_id: str,
    execution_id: str,
    context: dict[str, Any],
) -> AsyncIterator[str]:
    """The run page's stream (see ``live_events``)."""

    async def read() -> tuple[Parts, str | None]:
        run, approval, newest_log = await read_run(db, client, settings, tenant_id, execution_id)
        parts = {
            "progress": templates.get_template("_run_live.html").render(run=run, **context),
            "approval": templates.get_template("_approval.html").render(
                run=run, approval=approval, **context
            ),
            "logs": str(newest_log),
        }
        return parts, run["status"] if run["finished"] else None

    return live_events(request, read)
