"""Tables of the asset pipelines area: tenants' own asset pipeline definitions, asset runs and
each asset's materialisation in a run (the built-in pipelines live in code, not here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.core import _ts


class AssetPipelineRow(SQLModel, table=True):
    """A tenant's own asset pipeline: its definition (domain.assets) as JSON."""

    __tablename__ = "asset_pipelines"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_asset_pipelines_name"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class AssetRun(SQLModel, table=True):
    """One run of an asset pipeline; its status is a RunStatus value."""

    __tablename__ = "asset_runs"
    __table_args__ = (Index("ix_asset_runs_tenant_submitted", "tenant_id", "submitted_at"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    pipeline: str = Field(max_length=200)
    workflow_id: str = Field(max_length=200)
    status: str = Field(index=True, max_length=32)
    batch_id: str | None = Field(default=None, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The definition the run executes (a snapshot: later edits do not change a run under way).
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    built_in: bool = False
    error: str | None = None
    failed_asset: str | None = Field(default=None, max_length=200)
    submitted_at: datetime = _ts(nullable=False)
    started_at: datetime | None = _ts(nullable=True)
    finished_at: datetime | None = _ts(nullable=True)


class AssetMaterialization(SQLModel, table=True):
    """An asset in a run: QUEUED, RUNNING, then COMPLETED with its output, FAILED with its
    error, CANCELLED, or SKIPPED (an earlier asset failed)."""

    __tablename__ = "asset_materializations"
    __table_args__ = (UniqueConstraint("run_id", "asset", name="uq_asset_materializations"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="asset_runs.id", index=True, max_length=64)
    asset: str = Field(max_length=200)
    position: int = 0
    status: str = Field(max_length=32)
    output: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = None
    started_at: datetime | None = _ts(nullable=True)
    finished_at: datetime | None = _ts(nullable=True)
