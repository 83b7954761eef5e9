"""Request and response bodies of the named batch pipelines API's /api/pipeline (named batch
pipelines)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.definition import Scalar


class TriggerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_id: str = Field(min_length=1, max_length=200, description="batch identifier")
    config: dict[str, Scalar] = Field(
        default_factory=dict,
        description="pipeline-specific configuration; also fills the SQL's :name parameters",
    )

    @field_validator("config")
    @classmethod
    def _no_batch_id(cls, config: dict[str, Scalar]) -> dict[str, Scalar]:
        if "batch_id" in config:
            raise ValueError("batch_id goes at the top level, not in config")
        return config


class Triggered(BaseModel):
    run_id: str
    pipeline: str
    status: str
    batch_id: str | None
    started_at: datetime


class AssetOut(BaseModel):
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    output: dict[str, Any]
    error: str | None = None


class FailureDetails(BaseModel):
    failed_asset: str | None = Field(description="the asset (step) that failed")
    error: str = Field(description="what went wrong in it")


class RunFailure(BaseModel):
    """A failed run's error, as the document's PIPELINE_FAILED body shows it."""

    code: str = "PIPELINE_FAILED"
    message: str = "Pipeline execution failed"
    details: FailureDetails


class RunOut(BaseModel):
    run_id: str
    pipeline: str
    status: str
    batch_id: str | None
    config: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    assets: dict[str, AssetOut]
    error: RunFailure | None = None


class RunSummary(BaseModel):
    run_id: str
    pipeline: str
    status: str
    batch_id: str | None
    started_at: datetime
    duration_seconds: int | None
    error: str | None = None


class RunList(BaseModel):
    runs: list[RunSummary]
    total: int
    page: int
    per_page: int


class CancelRequested(BaseModel):
    run_id: str
    status: str
    message: str
