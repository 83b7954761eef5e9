"""Alerts: raise one, list them, acknowledge one."""

from __future__ import annotations

import hashlib
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.errors import Conflict, NotFound
from store.models.core import utcnow
from store.models.monitoring import Alert


class AlertKind(StrEnum):
    RUN_FAILED = "RUN_FAILED"
    QUALITY_CHECK_FAILED = "QUALITY_CHECK_FAILED"
    SCHEDULE_MISSED = "SCHEDULE_MISSED"
    APPROVAL_EXPIRED = "APPROVAL_EXPIRED"
    QUALITY_CHECK_WARNING = "QUALITY_CHECK_WARNING"  # a ``warn`` check failed; the run went on


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


async def raise_alert(
    session: AsyncSession,
    *,
    tenant_id: str,
    kind: AlertKind,
    severity: Severity,
    message: str,
    pipeline_id: str | None = None,
    execution_id: str | None = None,
    details: dict[str, Any] | None = None,
    key: str | None = None,
) -> Alert:
    """Record an OPEN alert and commit it.

    With a ``key`` (e.g. the run or the approval request it is about) the alert is raised once:
    raising it again, as a retried activity does, returns the first one.
    """
    alert_id = _keyed_id(kind, key) if key is not None else f"alert-{uuid.uuid4().hex}"
    if key is not None:
        existing = await session.get(Alert, alert_id)
        if existing is not None:
            return existing
    alert = Alert(
        id=alert_id,
        tenant_id=tenant_id,
        pipeline_id=pipeline_id,
        execution_id=execution_id,
        kind=kind.value,
        severity=severity.value,
        message=message,
        details=details or {},
        created_at=utcnow(),
    )
    session.add(alert)
    try:
        await session.commit()
    except IntegrityError:
        if key is None:
            raise
        await session.rollback()  # raised at the same moment by another attempt: that one stands
        existing = await session.get(Alert, alert_id)
        if existing is None:
            raise
        return existing
    return alert


def _keyed_id(kind: AlertKind, key: str) -> str:
    return "alert-" + hashlib.sha1(f"{kind.value}:{key}".encode()).hexdigest()


class AlertStatus(StrEnum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"


async def already_raised(session: AsyncSession, execution_id: str, kind: AlertKind) -> bool:
    """Whether this run has raised an alert of this kind (a retried record must not repeat it)."""
    result = await session.exec(
        select(Alert.id).where(Alert.execution_id == execution_id, Alert.kind == kind.value)
    )
    return result.first() is not None


async def page(
    session: AsyncSession,
    tenant_id: str,
    *,
    severity: str | None,
    status: str | None,
    pipeline_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Alert], int]:
    """A tenant's alerts, newest first."""
    where = [Alert.tenant_id == tenant_id]
    if severity:
        where.append(Alert.severity == severity)
    if status:
        where.append(Alert.status == status)
    if pipeline_id:
        where.append(Alert.pipeline_id == pipeline_id)
    total = (await session.exec(select(func.count()).select_from(Alert).where(*where))).one()
    rows = await session.exec(
        select(Alert)
        .where(*where)
        .order_by(col(Alert.created_at).desc(), col(Alert.id))
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


async def acknowledge(session: AsyncSession, tenant_id: str, alert_id: str, actor: str) -> Alert:
    """Mark an OPEN alert acknowledged by ``actor``; Conflict when someone already did."""
    alert = await session.get(Alert, alert_id)
    if alert is None or alert.tenant_id != tenant_id:
        raise NotFound(f"alert {alert_id!r} not found", code="ALERT_NOT_FOUND")
    if alert.status == AlertStatus.ACKNOWLEDGED.value:
        raise Conflict(
            f"alert {alert_id} was already acknowledged by {alert.acknowledged_by} "
            f"at {alert.acknowledged_at.isoformat() if alert.acknowledged_at else '?'}",
            code="ALERT_ALREADY_ACKNOWLEDGED",
        )
    # Only an OPEN row changes: of two simultaneous acknowledgements, one wins.
    result = await session.exec(
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.status) == AlertStatus.OPEN.value)
        .values(
            status=AlertStatus.ACKNOWLEDGED.value, acknowledged_at=utcnow(), acknowledged_by=actor
        )
    )
    await session.commit()
    await session.refresh(alert)
    if result.rowcount != 1:
        raise Conflict(
            f"alert {alert_id} was already acknowledged by {alert.acknowledged_by}",
            code="ALERT_ALREADY_ACKNOWLEDGED",
        )
    return alert
