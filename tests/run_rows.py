"""Run rows written straight into the store, as a killed API, an outside terminate or an
expired workflow history leaves them: no workflow answers for them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from domain.status import RunStatus
from services import runs
from store import runs as run_store
from store.db import Database
from store.models import Execution, utcnow
from tests.auth import DEFAULT_TENANT


async def run_row(
    db: Database,
    pipeline_id: str,
    status: RunStatus,
    age: timedelta = timedelta(0),
    *,
    tenant: str = DEFAULT_TENANT,
    parameters: dict | None = None,
) -> str:
    """A run of ``pipeline_id`` submitted ``age`` ago, in ``status``; its execution id."""
    execution_id = f"exec-{uuid.uuid4().hex}"
    submitted = utcnow() - age
    async with db.session() as session:
        await run_store.create(
            session,
            Execution(
                id=execution_id,
                tenant_id=tenant,
                pipeline_id=pipeline_id,
                pipeline_version=1,
                workflow_id=runs.workflow_id(tenant, execution_id),
                status=status.value,
                parameters=parameters or {},
                submitted_at=submitted,
                started_at=submitted if status is not RunStatus.QUEUED else None,
                finished_at=submitted if status.finished else None,
            ),
        )
    return execution_id
