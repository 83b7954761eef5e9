"""Request and response bodies of pipeline executions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.schemas.common import CamelModel, CamelRequest
from api.schemas.logs import line_id, next_after
from domain.definition import Scalar


class ExecuteRequest(CamelRequest):
    parameters: dict[str, Scalar] = Field(
        default_factory=dict, description="values of the SQL's :name placeholders, e.g. start_date"
    )
    engine_override: str | None = None
    priority: Literal["LOW", "NORMAL", "HIGH"] = "NORMAL"


class ExecutionSubmitted(CamelModel):
    execution_id: str
    pipeline_id: str
    status: str
    engine: str
    estimated_duration_ms: int | None
    submitted_at: datetime
    workflow_id: str
    temporal_ui_url: str


class ProgressOut(CamelModel):
    total_tasks: int
    completed_tasks: int
    current_task: str | None
    percentage: int


class MetricsOut(CamelModel):
    rows_processed: int
    rows_loaded: int
    bytes_processed: int
    elapsed_ms: int  # 0 until the run starts


class TaskOut(CamelModel):
    name: str
    kind: str
    status: str
    attempt: int
    rows: int
    bytes: int
    started_at: datetime
    finished_at: datetime | None
    error: str | None


class StreamOut(CamelModel):
    """A continuous run's stream, live from its workflow."""

    batches: int = Field(description="micro-batches done, those that found nothing new included")
    loaded_batches: int
    messages_loaded: int
    messages_per_second: float = Field(description="over the last micro-batches, waits included")
    lag: dict[str, int] = Field(description="messages behind the end, per 'topic/partition'")
    total_lag: int
    committed_offsets: dict[str, int] = Field(
        description="per 'topic/partition', the next offset to read: what the target holds"
    )
    paused: bool
    last_batch_at: str | None


class ExecutionOut(CamelModel):
    execution_id: str
    pipeline_id: str
    pipeline_version: int
    status: str
    engine: str
    priority: str
    parameters: dict[str, Any]
    progress: ProgressOut
    metrics: MetricsOut
    tasks: list[TaskOut]
    error: str | None
    note: str | None = None  # e.g. a cancel that arrived after the load had committed
    stream: StreamOut | None = None  # a continuous run's, while its workflow answers
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    workflow_id: str
    temporal_ui_url: str


class CancelAccepted(CamelModel):
    execution_id: str
    status: str  # the outcome once known (CANCELLED, or COMPLETED: the cancel came too late)
    cancel_requested: bool = True
    note: str | None = None
    message: str | None = None


class PauseAccepted(CamelModel):
    """A continuous run asked to pause (after its current micro-batch) or to read on."""

    execution_id: str
    paused: bool
    message: str


class LogLine(CamelModel):
    id: int | None = line_id()
    timestamp: datetime
    level: str
    task: str
    message: str


class ExecutionLogs(CamelModel):
    execution_id: str
    task: str | None
    lines: list[LogLine]
    next_after: int | None = next_after()
