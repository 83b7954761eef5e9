"""Asset pipelines in the store: tenants' own definitions, runs and their assets' progress.

Statuses are RunStatus values; an asset is also SKIPPED when an earlier asset failed. A run's
end is recorded once: whichever end lands first (its workflow's, or a settlement's) stands.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.errors import Conflict, NotFound
from store.models.assets import AssetMaterialization, AssetPipelineRow, AssetRun
from store.models.core import utcnow

ACTIVE = ("QUEUED", "RUNNING")
SKIPPED = "SKIPPED"


# --- definitions


async def definition(session: AsyncSession, tenant_id: str, name: str) -> AssetPipelineRow | None:
    result = await session.exec(
        select(AssetPipelineRow).where(
            AssetPipelineRow.tenant_id == tenant_id, AssetPipelineRow.name == name
        )
    )
    return result.first()


async def definitions(session: AsyncSession, tenant_id: str) -> list[AssetPipelineRow]:
    result = await session.exec(
        select(AssetPipelineRow)
        .where(AssetPipelineRow.tenant_id == tenant_id)
        .order_by(col(AssetPipelineRow.name))
    )
    return list(result)


async def save_definition(session: AsyncSession, row: AssetPipelineRow) -> AssetPipelineRow:
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict(
            f"an asset pipeline named {row.name!r} already exists", code="PIPELINE_EXISTS"
        ) from None
    await session.refresh(row)
    return row


async def delete_definition(session: AsyncSession, row: AssetPipelineRow) -> None:
    await session.delete(row)
    await session.commit()


# --- runs


async def create_run(session: AsyncSession, run: AssetRun, assets: list[str]) -> AssetRun:
    """The run and each of its assets, QUEUED."""
    session.add(run)
    await session.flush()  # the run before its assets (their foreign key)
    for position, asset in enumerate(assets):
        session.add(
            AssetMaterialization(run_id=run.id, asset=asset, position=position, status="QUEUED")
        )
    await session.commit()
    await session.refresh(run)
    return run


async def discard_run(session: AsyncSession, run: AssetRun) -> None:
    """Forget a run whose workflow never started."""
    for row in await materializations(session, run.id):
        await session.delete(row)
    await session.flush()
    await session.delete(run)
    await session.commit()


async def active_before(session: AsyncSession, submitted_before: datetime) -> list[AssetRun]:
    """Runs of every tenant still queued or running that were submitted before a time."""
    result = await session.exec(
        select(AssetRun).where(
            col(AssetRun.status).in_(ACTIVE), col(AssetRun.submitted_at) < submitted_before
        )
    )
    return list(result)


async def get_run(session: AsyncSession, tenant_id: str, run_id: str) -> AssetRun:
    row = await session.get(AssetRun, run_id, populate_existing=True)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"Pipeline run {run_id!r} not found", code="RUN_NOT_FOUND")
    return row


async def materializations(session: AsyncSession, run_id: str) -> list[AssetMaterialization]:
    result = await session.exec(
        select(AssetMaterialization)
        .where(AssetMaterialization.run_id == run_id)
        .order_by(col(AssetMaterialization.position))
        .execution_options(populate_existing=True)
    )
    return list(result)


async def set_run_status(
    session: AsyncSession,
    run_id: str,
    status: str,
    *,
    error: str | None = None,
    failed_asset: str | None = None,
) -> bool:
    """Record the run's status; False when it had already finished (the first end stands).
    A finished run's assets that never ran are SKIPPED (CANCELLED after a cancel)."""
    now = utcnow()
    values: dict[str, Any] = {"status": status}
    if status == "RUNNING":
        values["started_at"] = now
    else:
        values.update(finished_at=now, error=error, failed_asset=failed_asset)
    # Started once (QUEUED → RUNNING), ended once (an active run → its end).
    before = ("QUEUED",) if status == "RUNNING" else ACTIVE
    result = await session.exec(
        update(AssetRun)
        .where(col(AssetRun.id) == run_id, col(AssetRun.status).in_(before))
        .values(**values)
    )
    if result.rowcount and status not in ACTIVE:
        left = "CANCELLED" if status == "CANCELLED" else SKIPPED
        await session.exec(
            update(AssetMaterialization)
            .where(
                col(AssetMaterialization.run_id) == run_id,
                col(AssetMaterialization.status).in_(ACTIVE),
            )
            .values(status=left, finished_at=now)
        )
    await session.commit()
    return bool(result.rowcount)


async def set_asset(
    session: AsyncSession,
    run_id: str,
    asset: str,
    status: str,
    *,
    output: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record an asset's progress: RUNNING stamps its start, any other status its end."""
    now = utcnow()
    values: dict[str, Any] = {"status": status, "error": error}
    if status == "RUNNING":
        values.update(started_at=now, finished_at=None)
    else:
        values["finished_at"] = now
    if output is not None:
        values["output"] = output
    await session.exec(
        update(AssetMaterialization)
        .where(col(AssetMaterialization.run_id) == run_id, col(AssetMaterialization.asset) == asset)
        .values(**values)
    )
    await session.commit()


async def page_runs(
    session: AsyncSession,
    tenant_id: str,
    *,
    pipeline: str | None = None,
    statuses: list[str] | None = None,
    batch_id: str | None = None,
    limit: int = 20,
) -> tuple[list[AssetRun], int]:
    """The newest ``limit`` runs that match, and how many match in all."""
    where: list[ColumnElement[bool]] = [col(AssetRun.tenant_id) == tenant_id]
    if pipeline is not None:
        where.append(col(AssetRun.pipeline) == pipeline)
    if statuses:
        where.append(col(AssetRun.status).in_(statuses))
    if batch_id is not None:
        where.append(col(AssetRun.batch_id) == batch_id)
    total = (await session.exec(select(func.count()).select_from(AssetRun).where(*where))).one()
    result = await session.exec(
        select(AssetRun)
        .where(*where)
        .order_by(col(AssetRun.submitted_at).desc(), col(AssetRun.id))
        .limit(limit)
    )
    return list(result), total


def seconds_between(started: datetime | None, ended: datetime | None) -> int | None:
    if started is None or ended is None:
        return None
    return round((ended - started).total_seconds())
