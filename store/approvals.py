"""Approval requests and their outcomes."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import utcnow
from store.models.lifecycle import Approval


async def get(session: AsyncSession, request_id: str) -> Approval | None:
    return await session.get(Approval, request_id)


async def latest_for_workflow(
    session: AsyncSession, tenant_id: str, workflow_id: str
) -> Approval | None:
    result = await session.exec(
        select(Approval)
        .where(Approval.tenant_id == tenant_id, Approval.workflow_id == workflow_id)
        .order_by(col(Approval.requested_at).desc())
        .limit(1)
    )
    return result.first()


async def settle(session: AsyncSession, row: Approval, status: str, reason: str) -> bool:
    """End a PENDING request whose workflow closed without recording a decision; False when a
    decision landed first (it stands)."""
    result = await session.exec(
        update(Approval)
        .where(col(Approval.id) == row.id, col(Approval.status) == "PENDING")
        .values(status=status, reason=reason, decided_at=utcnow())
    )
    await session.commit()
    await session.refresh(row)
    return bool(result.rowcount)


async def save(session: AsyncSession, row: Approval) -> Approval:
    session.add(row)
    await session.commit()
    return row


async def listed(
    session: AsyncSession, tenant_id: str, *, pending: bool, limit: int = 100
) -> list[Approval]:
    """The tenant's requests still waiting for a decision (oldest first), or the others (the
    latest decided or ended first)."""
    query = select(Approval).where(Approval.tenant_id == tenant_id)
    if pending:
        query = query.where(Approval.status == "PENDING").order_by(col(Approval.requested_at))
    else:
        query = query.where(Approval.status != "PENDING").order_by(
            col(Approval.decided_at).desc(), col(Approval.requested_at).desc()
        )
    return list(await session.exec(query.limit(limit)))


async def for_tenant(
    session: AsyncSession,
    tenant_id: str,
    *,
    status: str | None = None,
    workflow_id: str | None = None,
    limit: int = 100,
) -> list[Approval]:
    """The tenant's approval requests, newest first."""
    query = select(Approval).where(Approval.tenant_id == tenant_id)
    if status is not None:
        query = query.where(Approval.status == status)
    if workflow_id is not None:
        query = query.where(Approval.workflow_id == workflow_id)
    result = await session.exec(query.order_by(col(Approval.requested_at).desc()).limit(limit))
    return list(result)
