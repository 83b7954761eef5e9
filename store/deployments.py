"""Deployments of pipeline versions to environments."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.errors import NotFound
from store.models.lifecycle import Deployment

ACTIVE = ("PENDING", "DEPLOYED")


async def get(session: AsyncSession, deployment_id: str) -> Deployment:
    row = await session.get(Deployment, deployment_id)
    if row is None:
        raise NotFound(f"deployment {deployment_id!r} not found", code="DEPLOYMENT_NOT_FOUND")
    return row


async def for_pipeline(
    session: AsyncSession,
    tenant_id: str,
    pipeline_id: str,
    *,
    statuses: tuple[str, ...] = ACTIVE,
    environment: str | None = None,
) -> list[Deployment]:
    """The pipeline's deployments in these statuses, newest first."""
    query = select(Deployment).where(
        Deployment.tenant_id == tenant_id,
        Deployment.pipeline_id == pipeline_id,
        col(Deployment.status).in_(statuses),
    )
    if environment:
        query = query.where(Deployment.environment == environment)
    return list(await session.exec(query.order_by(col(Deployment.created_at).desc())))


async def settle(session: AsyncSession, row: Deployment, status: str, message: str) -> bool:
    """End a PENDING deployment whose workflow will never record its end; False when its own
    end landed first (that one stands)."""
    result = await session.exec(
        update(Deployment)
        .where(col(Deployment.id) == row.id, col(Deployment.status) == "PENDING")
        .values(status=status, message=message)
    )
    await session.commit()
    await session.refresh(row)
    return bool(result.rowcount)


async def deployed(session: AsyncSession, tenant_id: str) -> list[Deployment]:
    """Every pipeline's live deployments (one per pipeline and environment), newest first."""
    result = await session.exec(
        select(Deployment)
        .where(Deployment.tenant_id == tenant_id, Deployment.status == "DEPLOYED")
        .order_by(col(Deployment.deployed_at).desc())
    )
    return list(result)


async def by_dag_id(session: AsyncSession, tenant_id: str, dag_id: str) -> Deployment:
    result = await session.exec(
        select(Deployment)
        .where(Deployment.tenant_id == tenant_id, Deployment.dag_id == dag_id)
        .where(col(Deployment.status).in_(("DEPLOYED", "SUPERSEDED")))
        .order_by(col(Deployment.created_at).desc())
        .limit(1)
    )
    row = result.first()
    if row is None:
        raise NotFound(f"DAG {dag_id!r} not found", code="DAG_NOT_FOUND")
    return row
