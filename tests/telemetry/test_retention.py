"""The store's retention: old run log lines and finished deliveries go, the rest stays."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import col, select

from core.settings import RetentionSettings
from domain.status import RunStatus
from services import housekeeping
from store.models import RunLog, utcnow
from store.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery
from tests.pipelines import copy_pipeline
from tests.run_rows import run_row


async def _finished_run(api, db, source_db, target_db) -> str:
    pipeline_id = await copy_pipeline(api, source_db, target_db, {"query": "SELECT 1 AS one"})
    return await run_row(db, pipeline_id, RunStatus.COMPLETED, timedelta(days=200))


async def test_the_sweep_deletes_only_what_is_past_retention(db, api, source_db, target_db):
    execution_id = await _finished_run(api, db, source_db, target_db)
    old, recent = utcnow() - timedelta(days=120), utcnow() - timedelta(days=2)
    hook_id = f"wh-{uuid.uuid4().hex}"
    async with db.session() as session:
        session.add_all(
            [
                RunLog(execution_id=execution_id, ts=old, level="INFO", task="t", message="old"),
                RunLog(execution_id=execution_id, ts=recent, level="INFO", task="t", message="new"),
                Webhook(
                    id=hook_id,
                    tenant_id="default",
                    surface="v1",
                    url="http://127.0.0.1:9/hook",
                    events=["pipeline.completed"],
                    secret_encrypted="x",
                    created_by="test",
                    created_at=old,
                ),
            ]
        )
        for status, updated in (
            ("DELIVERED", old),
            ("FAILED", old),
            ("PENDING", old),
            ("DELIVERED", recent),
        ):
            delivery_id = f"d-{uuid.uuid4().hex}"
            session.add(
                WebhookDelivery(
                    id=delivery_id,
                    webhook_id=hook_id,
                    tenant_id="default",
                    execution_id=f"exec-{uuid.uuid4().hex}",
                    event="pipeline.completed",
                    status=status,
                    created_at=updated,
                    updated_at=updated,
                )
            )
            await session.flush()
            session.add(WebhookAttempt(delivery_id=delivery_id, attempt=1, at=updated))
        await session.commit()

    swept = await housekeeping.sweep(
        db, RetentionSettings(run_log_days=90, webhook_delivery_days=30)
    )
    assert swept.run_logs >= 1 and swept.deliveries >= 2
    async with db.session() as session:
        lines = (
            await session.exec(select(RunLog).where(RunLog.execution_id == execution_id))
        ).all()
        assert [line.message for line in lines] == ["new"]
        left = (
            await session.exec(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook_id))
        ).all()
        assert sorted((d.status, d.updated_at > old) for d in left) == [
            ("DELIVERED", True),
            ("PENDING", False),
        ]
        ids = [d.id for d in left]
        attempts = (
            await session.exec(
                select(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ids))
            )
        ).all()
        assert len(attempts) == 2

    nothing = await housekeeping.sweep(
        db, RetentionSettings(run_log_days=0, webhook_delivery_days=0)
    )
    assert nothing == housekeeping.Swept(0, 0)
