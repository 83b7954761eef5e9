"""What the Temporal side keeps and says: the namespace's retention, and a run whose workflow
history has expired explained instead of a bare 404."""

from __future__ import annotations

import uuid

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from core import temporal
from domain.status import RunStatus
from services import runs
from store import runs as run_store
from store.models import Execution, utcnow
from tests.auth import DEFAULT_TENANT
from tests.pipelines import create_connection, create_pipeline, unique_name


async def test_ductwork_up_keeps_histories_the_configured_days(client):
    await temporal.ensure_retention(client, 45)
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=client.namespace)
    )
    assert described.config.workflow_execution_retention_ttl.seconds == 45 * 86_400


async def test_an_expired_history_is_explained(api, db, source, source_db, target_db):
    table = unique_name("expired")
    await source.execute(f"CREATE TABLE {table} AS SELECT 1 AS id")
    src = await create_connection(api, source_db, unique_name("src"))
    dst = await create_connection(api, target_db, unique_name("dst"))
    pipeline_id = await create_pipeline(
        api,
        unique_name("expired"),
        {
            "sources": {"rows": {"connection": src, "table": table}},
            "sinks": {"wh": {"connection": dst, "table": f"wh.{table}"}},
        },
    )
    execution_id = f"exec-{uuid.uuid4().hex}"
    workflow_id = runs.workflow_id(DEFAULT_TENANT, execution_id)
    async with db.session() as session:
        await run_store.create(
            session,
            Execution(
                id=execution_id,
                tenant_id=DEFAULT_TENANT,
                pipeline_id=pipeline_id,
                pipeline_version=1,
                workflow_id=workflow_id,
                status=RunStatus.COMPLETED.value,
                submitted_at=utcnow(),
                started_at=utcnow(),
                finished_at=utcnow(),
            ),
        )
    response = await api.get(f"/v1/pipelines/workflows/{workflow_id}/status")
    assert response.status_code == 410, response.text
    error = response.json()["error"]
    assert error["code"] == "WORKFLOW_HISTORY_EXPIRED"
    assert f"/v1/pipelines/executions/{execution_id}" in error["message"]
    # An id nobody knows stays a 404.
    unknown = await api.get(f"/v1/pipelines/workflows/{DEFAULT_TENANT}/run/exec-nope/status")
    assert unknown.status_code == 404
