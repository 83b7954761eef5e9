"""Deleting what outlived its retention: old run log lines, finished webhook deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import RunLog
from store.models.webhooks import WebhookAttempt, WebhookDelivery


async def purge_run_logs(session: AsyncSession, before: datetime) -> int:
    """Run log lines written before ``before``; how many went."""
    result = await session.exec(delete(RunLog).where(col(RunLog.ts) < before))  # type: ignore[call-overload]
    await session.commit()
    return int(result.rowcount or 0)


async def purge_deliveries(session: AsyncSession, before: datetime) -> int:
    """Deliveries that ended (delivered or given up) before ``before``, with their attempts;
    pending ones stay whatever their age."""
    ended = (
        select(col(WebhookDelivery.id))
        .where(col(WebhookDelivery.status) != "PENDING")
        .where(col(WebhookDelivery.updated_at) < before)
    )
    await session.exec(  # type: ignore[call-overload]
        delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ended))
    )
    result = await session.exec(  # type: ignore[call-overload]
        delete(WebhookDelivery).where(col(WebhookDelivery.id).in_(ended))
    )
    await session.commit()
    return int(result.rowcount or 0)
