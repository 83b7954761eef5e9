"""Alerts: raise one, list them, acknowledge one."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from store.models.core import utcnow
from store.models.monitoring import Alert


class AlertKind(StrEnum):
    RUN_FAILED = "RUN_FAILED"
    QUALITY_CHECK_FAILED = "QUALITY_CHECK_FAILED"
    SCHEDULE_MISSED = "SCHEDULE_MISSED"
    APPROVAL_EXPIRED = "APPROVAL_EXPIRED"


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
) -> Alert:
    """Record an OPEN alert and commit it."""
    alert = Alert(
        id=f"alert-{uuid.uuid4().hex}",
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
    await session.commit()
    return alert
