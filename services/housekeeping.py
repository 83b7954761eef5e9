"""The store's retention: now and then, delete run log lines and finished webhook deliveries
older than ``DUCTWORK_RETENTION__*`` days (the API runs ``sweep`` in the background)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.settings import RetentionSettings
from store import retention
from store.db import Database
from store.models import utcnow


@dataclass(frozen=True)
class Swept:
    run_logs: int
    deliveries: int


async def sweep(db: Database, settings: RetentionSettings) -> Swept:
    now = utcnow()
    logs = deliveries = 0
    async with db.session() as session:
        if settings.run_log_days:
            before = now - timedelta(days=settings.run_log_days)
            logs = await retention.purge_run_logs(session, before)
        if settings.webhook_delivery_days:
            before = now - timedelta(days=settings.webhook_delivery_days)
            deliveries = await retention.purge_deliveries(session, before)
    return Swept(logs, deliveries)
