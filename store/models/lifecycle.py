"""Tables of the lifecycle area: approvals, deployments and schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from store.models.core import _ts


class Approval(SQLModel, table=True):
    """One approval request of a workflow (a deployment or a run paused by a check)."""

    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_tenant_workflow", "tenant_id", "workflow_id"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    workflow_id: str = Field(max_length=300)
    kind: str = Field(max_length=32)  # deployment | run
    subject: str  # what is to be approved, in words
    pipeline_id: str | None = Field(default=None, max_length=64)
    execution_id: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)  # PENDING, APPROVED, REJECTED, EXPIRED
    requested_by: str | None = Field(default=None, max_length=200)
    decided_by: str | None = Field(default=None, max_length=200)  # approvedBy as given
    actor: str | None = Field(default=None, max_length=200)  # the authenticated caller
    reason: str | None = None
    requested_at: datetime = _ts(nullable=False)
    expires_at: datetime = _ts(nullable=False)
    decided_at: datetime | None = _ts(nullable=True)


class Deployment(SQLModel, table=True):
    """A deployment of one pipeline version to one environment."""

    __tablename__ = "deployments"
    __table_args__ = (Index("ix_deployments_tenant_pipeline", "tenant_id", "pipeline_id"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    pipeline_id: str = Field(max_length=64)
    version: int
    environment: str = Field(max_length=64)
    mode: str = Field(max_length=32)  # watch_folder | api | git_sync
    status: str = Field(max_length=32)  # PENDING, DEPLOYED, SUPERSEDED, REJECTED, EXPIRED, FAILED
    dag_id: str = Field(max_length=250)
    dag_path: str | None = None
    schedule: str | None = Field(default=None, max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    workflow_id: str = Field(max_length=300)
    requested_by: str = Field(max_length=200)
    message: str | None = None
    created_at: datetime = _ts(nullable=False)
    deployed_at: datetime | None = _ts(nullable=True)


class PipelineSchedule(SQLModel, table=True):
    """A Temporal Schedule that runs a pipeline; the schedule itself lives in Temporal."""

    __tablename__ = "pipeline_schedules"
    __table_args__ = (Index("ix_schedules_tenant_pipeline", "tenant_id", "pipeline_id"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    pipeline_id: str = Field(max_length=64)
    origin: str = Field(max_length=16)  # pipeline (its own; one per environment) | api
    cron: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    enabled: bool = True
    # A deployment's schedule: its environment, and the version it runs (the one deployed and,
    # where needed, approved). None: the pipeline's own schedule, which runs the current version.
    environment: str | None = Field(default=None, max_length=64)
    pipeline_version: int | None = None
    temporal_id: str = Field(max_length=300)
    created_by: str = Field(max_length=200)
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)
