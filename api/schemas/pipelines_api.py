"""Request and response bodies of the AI-ETL pipelines API's /api/v1/pipelines and /api/v1/runs
(snake_case)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.logs import line_id, next_after
from domain.definition import Scalar


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PipelineDocument(BaseModel):
    id: str
    project_id: str | None
    name: str
    status: str
    description: str | None
    schedule: str | None
    configuration: dict[str, Any]
    tags: list[str]
    version: str
    version_number: int
    created_at: datetime
    updated_at: datetime


class PipelineMetadataUpdate(_Request):
    """Metadata only; the definition changes through /v1/pipelines or regeneration."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    schedule: str | None = Field(
        default=None, description="cron expression; an empty string removes the schedule"
    )
    timezone: str | None = Field(default=None, description="IANA time zone of the schedule")
    status: str | None = Field(default=None, description="draft, active or paused")
    tags: list[str] | None = None


class VersionOut(BaseModel):
    version: str
    number: int
    created_at: datetime
    created_by: str
    description: str | None
    current: bool
    artifacts: dict[str, Any]


class VersionList(BaseModel):
    versions: list[VersionOut]


class RunConf(BaseModel):
    """The AI-ETL pipelines API's ``conf``: the run's parameters (the SQL's ``:name``
    placeholders)."""

    model_config = ConfigDict(extra="allow")

    start_date: date | None = None
    end_date: date | None = None
    full_refresh: bool | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RunConf:
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError(f"start_date {self.start_date} is after end_date {self.end_date}")
        for key, value in (self.model_extra or {}).items():
            if value is not None and not isinstance(value, str | int | float | bool):
                raise ValueError(f"conf.{key} must be a string, number or boolean")
        return self

    def parameters(self) -> dict[str, Scalar]:
        return {k: v for k, v in self.model_dump(mode="json").items() if v is not None}


class RunRequest(_Request):
    """The AI-ETL pipelines API's ``{"conf": {...}}``; the AI-ETL platform API's ``{"params":
    {...}, "async": true}`` too."""

    conf: RunConf = Field(default_factory=RunConf)
    params: RunConf = Field(default_factory=RunConf)
    async_: bool = Field(default=True, alias="async")
    confirm: bool = Field(default=False, description="run a generated version that needs review")


class RunAccepted(BaseModel):
    run_id: str
    status: str
    pipeline_id: str
    workflow_id: str
    temporal_ui_url: str


class PipelineStatusOut(BaseModel):
    pipeline_id: str
    run_id: str | None
    status: str
    current_task: str | None
    progress: int
    started_at: datetime | None
    finished_at: datetime | None
    estimated_completion: datetime | None


class RunStatusOut(BaseModel):
    run_id: str
    pipeline_id: str
    status: str
    current_task: str | None
    progress: int
    total_tasks: int
    completed_tasks: int
    rows_processed: int
    rows_loaded: int
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    estimated_completion: datetime | None
    error: str | None
    workflow_id: str
    temporal_ui_url: str


class RunLogLine(BaseModel):
    id: int | None = line_id()
    timestamp: datetime
    level: str
    task: str
    message: str


class RunLogs(BaseModel):
    run_id: str
    task: str | None
    logs: list[RunLogLine]
    next_after: int | None = next_after()
