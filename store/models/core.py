"""Tables of the core area: connections, pipelines and their versions, runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


class Connection(SQLModel, table=True):
    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_connections_tenant_name"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    type: str = Field(max_length=32)
    host: str = Field(max_length=255)
    port: int
    database: str = Field(max_length=255)
    username: str | None = Field(default=None, max_length=255)
    password_encrypted: str | None = None
    credential_secret_ref: str | None = Field(default=None, max_length=500)
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class Pipeline(SQLModel, table=True):
    __tablename__ = "pipelines"

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    description: str | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=32)
    current_version: int = 1
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)
    deleted_at: datetime | None = _ts(nullable=True)


class PipelineVersion(SQLModel, table=True):
    """An immutable definition of a pipeline; a definition change makes a new one."""

    __tablename__ = "pipeline_versions"
    __table_args__ = (UniqueConstraint("pipeline_id", "number", name="uq_versions_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pipeline_id: str = Field(foreign_key="pipelines.id", index=True, max_length=64)
    number: int
    label: str = Field(max_length=64)
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=200)
    description: str | None = None
    created_at: datetime = _ts(nullable=False)


class PipelineConnection(SQLModel, table=True):
    """Which connections a pipeline's current version uses (guards connection deletes)."""

    __tablename__ = "pipeline_connections"

    pipeline_id: str = Field(foreign_key="pipelines.id", primary_key=True, max_length=64)
    connection_id: str = Field(foreign_key="connections.id", primary_key=True, max_length=64)


class Execution(SQLModel, table=True):
    __tablename__ = "executions"
    __table_args__ = (
        Index("ix_executions_tenant_pipeline", "tenant_id", "pipeline_id"),
        # A pipeline's last finished runs (store.runs.typical_duration_ms), newest first.
        Index("ix_executions_pipeline_finished", "pipeline_id", "finished_at"),
        # At most one run in progress per pipeline, kept by the database itself.
        Index(
            "uq_executions_one_active",
            "pipeline_id",
            unique=True,
            sqlite_where=text("status IN ('QUEUED', 'RUNNING')"),
            postgresql_where=text("status IN ('QUEUED', 'RUNNING')"),
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    pipeline_id: str = Field(foreign_key="pipelines.id", max_length=64)
    pipeline_version: int
    workflow_id: str = Field(max_length=200)
    status: str = Field(index=True, max_length=32)
    engine: str = Field(default="temporal", max_length=32)
    priority: str = Field(default="NORMAL", max_length=16)
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    total_tasks: int = 0
    error: str | None = None
    note: str | None = None  # a finished run's remark, e.g. that a cancel came too late
    submitted_at: datetime = _ts(nullable=False)
    started_at: datetime | None = _ts(nullable=True)
    finished_at: datetime | None = _ts(nullable=True)


class RunStep(SQLModel, table=True):
    """One step (activity) of a run, with its live and final metrics."""

    __tablename__ = "run_steps"
    __table_args__ = (UniqueConstraint("execution_id", "name", name="uq_run_steps_name"),)

    id: int | None = Field(default=None, primary_key=True)
    execution_id: str = Field(foreign_key="executions.id", index=True, max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    status: str = Field(max_length=32)
    attempt: int = 1
    rows: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    bytes: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    error: str | None = None
    started_at: datetime = _ts(nullable=False)
    finished_at: datetime | None = _ts(nullable=True)


class RunLog(SQLModel, table=True):
    __tablename__ = "run_logs"
    # The retention sweep deletes by age.
    __table_args__ = (Index("ix_run_logs_ts", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    execution_id: str = Field(foreign_key="executions.id", index=True, max_length=64)
    ts: datetime = _ts(nullable=False)
    level: str = Field(max_length=16)
    task: str = Field(max_length=200)
    message: str
