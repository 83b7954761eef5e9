"""What the Temporal side keeps and says: the namespace's retention, and a run whose workflow
history has expired explained instead of a bare 404."""

from __future__ import annotations

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from core import temporal
from domain.status import RunStatus
from services import runs
from tests.auth import DEFAULT_TENANT
from tests.pipelines import copy_pipeline, unique_name
from tests.run_rows import run_row


async def test_ductwork_up_keeps_histories_the_configured_days(client):
    await temporal.ensure_retention(client, 45)
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=client.namespace)
    )
    assert described.config.workflow_execution_retention_ttl.seconds == 45 * 86_400


async def test_an_expired_history_is_explained(api, db, source, source_db, target_db):
    table = unique_name("expired")
    await source.execute(f"CREATE TABLE {table} AS SELECT 1 AS id")
    pipeline_id = await copy_pipeline(api, source_db, target_db, {"table": table})
    execution_id = await run_row(db, pipeline_id, RunStatus.COMPLETED)
    workflow_id = runs.workflow_id(DEFAULT_TENANT, execution_id)
    response = await api.get(f"/v1/pipelines/workflows/{workflow_id}/status")
    assert response.status_code == 410, response.text
    error = response.json()["error"]
    assert error["code"] == "WORKFLOW_HISTORY_EXPIRED"
    assert f"/v1/pipelines/executions/{execution_id}" in error["message"]
    # An id nobody knows stays a 404.
    unknown = await api.get(f"/v1/pipelines/workflows/{DEFAULT_TENANT}/run/exec-nope/status")
    assert unknown.status_code == 404
