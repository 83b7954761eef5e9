"""Approval requests and their outcomes."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

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


async def save(session: AsyncSession, row: Approval) -> Approval:
    session.add(row)
    await session.commit()
    return row
