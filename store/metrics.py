"""Aggregates for the ``/metrics`` endpoint: what every run, step and approval adds up to.

Each read is one grouped query over the whole store (or one tenant's part of it), so a scrape
costs the same whatever the number of runs; ``tenant_id=None`` reads every tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import Execution, RunStep
from store.models.lifecycle import Approval


@dataclass(frozen=True)
class StepTotals:
    tenant_id: str
    kind: str
    status: str
    count: int
    rows: int
    bytes: int
    seconds: float  # summed over the finished steps


def _tenant(column: Any, tenant_id: str | None) -> list[ColumnElement[bool]]:
    return [] if tenant_id is None else [column == tenant_id]


async def runs_by_status(
    session: AsyncSession, tenant_id: str | None
) -> list[tuple[str, str, int]]:
    """(tenant, status, number of runs)."""
    query = (
        select(col(Execution.tenant_id), col(Execution.status), func.count())
        .where(*_tenant(col(Execution.tenant_id), tenant_id))
        .group_by(col(Execution.tenant_id), col(Execution.status))
    )
    return [(t, s, int(n)) for t, s, n in (await (await session.connection()).execute(query)).all()]


def _seconds(session: AsyncSession) -> ColumnElement[float]:
    """A finished step's duration in seconds, in the store's own SQL dialect."""
    started, finished = col(RunStep.started_at), col(RunStep.finished_at)
    if session.get_bind().dialect.name == "sqlite":
        return cast((func.julianday(finished) - func.julianday(started)) * 86_400.0, Float)
    return cast(func.extract("epoch", finished - started), Float)


async def step_totals(session: AsyncSession, tenant_id: str | None) -> list[StepTotals]:
    """Per tenant, step kind and final status: steps, rows, bytes and seconds."""
    query = (
        select(
            col(Execution.tenant_id),
            col(RunStep.kind),
            col(RunStep.status),
            func.count(),
            func.coalesce(func.sum(col(RunStep.rows)), 0),
            func.coalesce(func.sum(col(RunStep.bytes)), 0),
            func.coalesce(func.sum(_seconds(session)), 0.0),
        )
        .join(Execution, col(Execution.id) == col(RunStep.execution_id))
        .where(col(RunStep.finished_at).is_not(None), *_tenant(col(Execution.tenant_id), tenant_id))
        .group_by(col(Execution.tenant_id), col(RunStep.kind), col(RunStep.status))
    )
    return [
        StepTotals(t, k, s, int(n), int(r), int(b), float(sec))
        for t, k, s, n, r, b, sec in (await (await session.connection()).execute(query)).all()
    ]


async def approvals_waiting(session: AsyncSession, tenant_id: str | None) -> list[tuple[str, int]]:
    """(tenant, approvals still pending)."""
    query = (
        select(col(Approval.tenant_id), func.count())
        .where(col(Approval.status) == "PENDING", *_tenant(col(Approval.tenant_id), tenant_id))
        .group_by(col(Approval.tenant_id))
    )
    return [(t, int(n)) for t, n in (await (await session.connection()).execute(query)).all()]
