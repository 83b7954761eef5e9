"""Request and response bodies of deployments, schedules, workflows and the Airflow views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from api.schemas.common import CamelModel, CamelRequest
from domain.definition import Scalar
from services.deployments import environment_name

# --- the AI-ETL pipelines API (snake_case)
# -------------------------------------------------------------------


class DeployRequest(BaseModel):
    """The AI-ETL platform API's optional deploy body: {environment, schedule}."""

    model_config = ConfigDict(extra="forbid")

    environment: str = Field(default="development", min_length=1, max_length=64)
    schedule: str | None = Field(default=None, description="cron, e.g. '0 2 * * *'")
    timezone: str | None = Field(default=None, description="IANA name; default the definition's")
    confirm: bool = Field(default=False, description="deploy a generated version needing review")

    @field_validator("environment")
    @classmethod
    def _one_spelling(cls, value: str) -> str:
        return environment_name(value)  # " Production " is production, and needs its approval


class DeployResponse(BaseModel):
    status: str  # deployed | pending_approval | deploying
    details: dict[str, Any]


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | str = Field(description="the version number (e.g. 1) or label ('1.0.0')")


class RollbackResponse(BaseModel):
    status: str
    version: int
    details: dict[str, Any]


# --- the pipeline service API (camelCase)
# --------------------------------------------------------------------


class ScheduleCreate(CamelRequest):
    pipeline_id: str
    cron_expression: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"
    parameters: dict[str, Scalar] = Field(default_factory=dict)
    enabled: bool = True


class ScheduleUpdateBody(CamelRequest):
    cron_expression: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = None
    parameters: dict[str, Scalar] | None = None
    enabled: bool | None = None


class ScheduleOut(CamelModel):
    schedule_id: str
    pipeline_id: str
    cron_expression: str
    timezone: str
    parameters: dict[str, Any]
    enabled: bool
    origin: str
    next_run_times: list[datetime]
    recent_run_times: list[datetime]
    temporal_schedule_id: str
    created_at: datetime
    updated_at: datetime


class ScheduleTriggered(CamelModel):
    schedule_id: str
    triggered: bool = True
    triggered_at: datetime


class SignalRequest(CamelRequest):
    signal_name: str = Field(min_length=1, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)


class ApprovalData(CamelRequest):
    approved: StrictBool  # "yes", 1 or "true" are refused: a decision is a JSON true or false
    approved_by: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)


class TriggerDag(CamelRequest):
    conf: dict[str, Scalar] = Field(default_factory=dict)
