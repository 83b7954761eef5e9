"""Pipelines and deployments written straight into a tenant's store (no workflow, no checks), for
the tests of what lists show, filter and count."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from store.db import Database
from store.models import Pipeline, PipelineVersion, utcnow
from store.models.lifecycle import Deployment


async def pipeline_row(
    db: Database,
    tenant: str,
    name: str,
    *,
    status: str = "CREATED",
    tags: list[str] | None = None,
    definition: Any = None,
    created_at: datetime | None = None,
    current_version: int = 1,
) -> str:
    """A pipeline with one version holding ``definition`` (a valid one when None), created at
    ``created_at`` (now when None), its current version ``current_version``; its id."""
    pipeline_id = str(uuid.uuid4())
    now = created_at or utcnow()
    if definition is None:
        definition = {
            "sources": {"rows": {"connection": "src", "table": "public.t"}},
            "sinks": {"out": {"connection": "dst", "table": "public.t_copy"}},
        }
    async with db.session() as session:
        session.add(
            Pipeline(
                id=pipeline_id,
                tenant_id=tenant,
                name=name,
                tags=tags or [],
                status=status,
                current_version=current_version,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add(
            PipelineVersion(
                pipeline_id=pipeline_id,
                number=1,
                label="1.0.0",
                definition=definition,
                created_by="tests",
                created_at=now,
            )
        )
        await session.commit()
    return pipeline_id


async def deployed_row(db: Database, tenant: str, pipeline_id: str) -> None:
    """A live deployment of the pipeline's first version."""
    deployment_id = str(uuid.uuid4())
    async with db.session() as session:
        session.add(
            Deployment(
                id=deployment_id,
                tenant_id=tenant,
                pipeline_id=pipeline_id,
                version=1,
                environment="production",
                mode="watch_folder",
                status="DEPLOYED",
                dag_id=f"dag_{deployment_id.replace('-', '_')}",
                workflow_id=f"{tenant}/deploy/{deployment_id}",
                requested_by="tests",
                created_at=utcnow(),
                deployed_at=utcnow(),
            )
        )
        await session.commit()
