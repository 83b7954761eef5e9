"""What the API answers, as pydantic models (unknown fields are kept, never refused: a newer
server may add some)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

T = TypeVar("T")

FINISHED = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"})
"""Run statuses that do not change any more."""


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _either(snake: str, camel: str) -> Any:
    return Field(default=None, validation_alias=AliasChoices(snake, camel))


class Page(Model, Generic[T]):
    """One page of a list; ``total`` items in all."""

    items: list[T] = Field(default_factory=list, validation_alias=AliasChoices("content", "items"))
    page: int = 0
    size: int = 0
    total: int = Field(default=0, validation_alias=AliasChoices("totalElements", "total"))


class Token(Model):
    access_token: str
    refresh_token: str | None = None
    expires_in: int | None = None


class Me(Model):
    subject: str
    kind: str
    tenant_id: str
    role: str | None = None


class Pipeline(Model):
    pipeline_id: str = Field(validation_alias=AliasChoices("pipelineId", "pipeline_id", "id"))
    name: str | None = None
    version: Any = None
    status: str | None = None
    description: str | None = None
    definition: dict[str, Any] | None = None
    created_at: datetime | None = _either("created_at", "createdAt")


class Generated(Model):
    """What generation answered: the new pipeline's id, its status (``needs_review`` when part
    of the description was not understood) and the rest of the body as sent."""

    pipeline_id: str = Field(validation_alias=AliasChoices("pipeline_id", "pipelineId", "id"))
    status: str | None = None
    validation: Any = None
    unresolved: list[Any] | None = None


class RunAccepted(Model):
    run_id: str = Field(validation_alias=AliasChoices("run_id", "executionId"))
    status: str
    pipeline_id: str | None = _either("pipeline_id", "pipelineId")
    workflow_id: str | None = _either("workflow_id", "workflowId")


class Execution(Model):
    """A run as the pipeline service API shows it (status, progress, metrics, tasks)."""

    execution_id: str = Field(validation_alias=AliasChoices("executionId", "run_id"))
    pipeline_id: str | None = _either("pipeline_id", "pipelineId")
    status: str
    progress: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    tasks: list[dict[str, Any]] | None = None
    error: Any = None
    submitted_at: datetime | None = _either("submitted_at", "submittedAt")
    started_at: datetime | None = _either("started_at", "startedAt")
    finished_at: datetime | None = _either("finished_at", "finishedAt")
    temporal_ui_url: str | None = _either("temporal_ui_url", "temporalUiUrl")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def rows(self) -> int:
        metrics = self.metrics or {}
        for key in ("rowsLoaded", "rows_loaded", "rowsProcessed", "rows_processed", "rows"):
            if isinstance(metrics.get(key), int):
                return int(metrics[key])
        return 0

    @property
    def percentage(self) -> float:
        progress = self.progress or {}
        value = progress.get("percentage", progress.get("percent", 0))
        return float(value or 0)


class RunStatus(Model):
    """A run's status on the AI-ETL platform API (``run.get_status()``)."""

    run_id: str
    pipeline_id: str | None = None
    status: str
    progress: Any = None
    rows_processed: int | None = None
    rows_loaded: int | None = None
    error: Any = None


class LogLine(Model):
    id: int | None = None  # given when the lines were asked for after a cursor
    ts: datetime | None = _either("ts", "timestamp")
    level: str | None = None
    task: str | None = None
    message: str = ""


class Approval(Model):
    request_id: str = Field(validation_alias=AliasChoices("request_id", "requestId"))
    workflow_id: str | None = _either("workflow_id", "workflowId")
    kind: str | None = None
    subject: str | None = None
    pipeline_id: str | None = _either("pipeline_id", "pipelineId")
    status: str
    requested_by: str | None = None
    decided_by: str | None = None
    reason: str | None = None


class Connection(Model):
    connection_id: str = Field(validation_alias=AliasChoices("connectionId", "connection_id"))
    name: str
    type: str
    host: str | None = None
    database: str | None = None


class ConnectionTest(Model):
    connected: bool
    latency_ms: float | None = _either("latency_ms", "latencyMs")
    version: str | None = None
    error: Any = None
