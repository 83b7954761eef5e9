"""Webhooks, their deliveries and attempts: create, read, list, delete, record."""

from __future__ import annotations

import uuid

from sqlalchemy import delete as sa_delete
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.errors import NotFound
from store.models.core import utcnow
from store.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery


async def create(session: AsyncSession, webhook: Webhook) -> Webhook:
    session.add(webhook)
    await session.commit()
    return webhook


async def get(session: AsyncSession, tenant_id: str, webhook_id: str, surface: str) -> Webhook:
    row = await session.get(Webhook, webhook_id)
    if row is None or row.tenant_id != tenant_id or row.surface != surface:
        raise NotFound(f"webhook {webhook_id!r} not found", code="WEBHOOK_NOT_FOUND")
    return row


async def page(
    session: AsyncSession, tenant_id: str, surface: str, offset: int, limit: int
) -> tuple[list[Webhook], int]:
    where = (col(Webhook.tenant_id) == tenant_id) & (col(Webhook.surface) == surface)
    total = (await session.exec(select(func.count()).select_from(Webhook).where(where))).one()
    rows = await session.exec(
        select(Webhook)
        .where(where)
        .order_by(col(Webhook.created_at), col(Webhook.id))
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


async def delete(session: AsyncSession, tenant_id: str, webhook_id: str, surface: str) -> None:
    """Delete a webhook with its delivery log; a delivery in flight finds it gone and stops."""
    row = await get(session, tenant_id, webhook_id, surface)
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == row.id)
    await session.exec(  # type: ignore[call-overload]
        sa_delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(deliveries))
    )
    await session.exec(  # type: ignore[call-overload]
        sa_delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == row.id)
    )
    await session.delete(row)
    await session.commit()


async def for_tenant(session: AsyncSession, tenant_id: str) -> list[Webhook]:
    rows = await session.exec(
        select(Webhook).where(Webhook.tenant_id == tenant_id).order_by(col(Webhook.created_at))
    )
    return list(rows)


async def add_delivery(
    session: AsyncSession, webhook: Webhook, execution_id: str, event: str
) -> WebhookDelivery:
    """The delivery of ``event`` for a run to a webhook, created once (a retried plan reuses it)."""
    existing = await _find_delivery(session, webhook.id, execution_id, event)
    if existing is not None:
        return existing
    now = utcnow()
    row = WebhookDelivery(
        id=f"dlv_{uuid.uuid4().hex}",
        webhook_id=webhook.id,
        tenant_id=webhook.tenant_id,
        execution_id=execution_id,
        event=event,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        found = await _find_delivery(session, webhook.id, execution_id, event)
        if found is None:
            raise
        return found
    return row


async def _find_delivery(
    session: AsyncSession, webhook_id: str, execution_id: str, event: str
) -> WebhookDelivery | None:
    result = await session.exec(
        select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook_id,
            WebhookDelivery.execution_id == execution_id,
            WebhookDelivery.event == event,
        )
    )
    return result.first()


async def get_delivery(session: AsyncSession, delivery_id: str) -> WebhookDelivery | None:
    return await session.get(WebhookDelivery, delivery_id)


async def record_attempt(
    session: AsyncSession,
    delivery_id: str,
    *,
    attempt: int,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
) -> bool:
    """Log one attempt on its delivery; False when the delivery is gone (webhook deleted)."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return False
    now = utcnow()
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempt=attempt,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
            at=now,
        )
    )
    delivery.attempts = max(delivery.attempts, attempt)
    delivery.status_code = status_code
    delivery.error = error
    delivery.updated_at = now
    if error is None:
        delivery.status = "DELIVERED"
        delivery.delivered_at = now
    session.add(delivery)
    try:
        await session.commit()
    except (IntegrityError, StaleDataError):  # deleted with its webhook meanwhile
        await session.rollback()
        return False
    return True


async def give_up(session: AsyncSession, delivery_id: str, reason: str) -> None:
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status == "DELIVERED":
        return
    delivery.status = "FAILED"
    delivery.error = delivery.error or reason
    delivery.updated_at = utcnow()
    session.add(delivery)
    await session.commit()


async def deliveries_page(
    session: AsyncSession, webhook: Webhook, offset: int, limit: int
) -> tuple[list[tuple[WebhookDelivery, list[WebhookAttempt]]], int]:
    """A webhook's deliveries, newest first, each with its attempts in order."""
    where = col(WebhookDelivery.webhook_id) == webhook.id
    total = (
        await session.exec(select(func.count()).select_from(WebhookDelivery).where(where))
    ).one()
    rows = list(
        await session.exec(
            select(WebhookDelivery)
            .where(where)
            .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id))
            .offset(offset)
            .limit(limit)
        )
    )
    attempts: dict[str, list[WebhookAttempt]] = {r.id: [] for r in rows}
    if rows:
        found = await session.exec(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(list(attempts)))
            .order_by(col(WebhookAttempt.attempt), col(WebhookAttempt.id))
        )
        for attempt in found:
            attempts[attempt.delivery_id].append(attempt)
    return [(r, attempts[r.id]) for r in rows], total
