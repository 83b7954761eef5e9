"""Write a run's status transitions to the store (the workflow itself does no I/O)."""

from __future__ import annotations

from temporalio import activity

from store import runs as run_store
from store.db import Database
from store.models import RunLog, utcnow
from workflows.payloads import RecordRun


class RecordActivities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn(name="record_run")
    async def record_run(self, record: RecordRun) -> None:
        async with self.db.session() as session:
            await run_store.set_status(
                session,
                record.execution_id,
                record.status.value,
                total_tasks=record.total_tasks,
                error=record.message if record.status.value == "FAILED" else None,
            )
            text = f"run {record.status.value.lower()}"
            await run_store.add_logs(
                session,
                [
                    RunLog(
                        execution_id=record.execution_id,
                        ts=utcnow(),
                        level="ERROR" if record.status.value == "FAILED" else "INFO",
                        task="run",
                        message=f"{text}: {record.message}" if record.message else text,
                    )
                ],
            )
