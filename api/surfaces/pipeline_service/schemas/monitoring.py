"""Response bodies of monitoring, lineage and cost (the pipeline service API, camelCase)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.schemas.common import CamelModel


class AlertOut(CamelModel):
    alert_id: str
    pipeline_id: str | None
    execution_id: str | None
    kind: str
    severity: str
    status: str
    message: str
    details: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class MetricsBody(CamelModel):
    execution_count: int
    success_rate: float | None
    avg_duration_ms: int | None
    total_rows_processed: int
    total_rows_loaded: int
    total_bytes_processed: int
    total_cost_usd: float
    succeeded: int
    failed: int


class PipelineMetrics(CamelModel):
    pipeline_id: str | None
    period: str
    since: datetime
    metrics: MetricsBody
    history: list[dict[str, Any]]
    cost_is_estimate: bool = True
