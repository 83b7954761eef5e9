"""Tables of the monitoring area: alerts raised by runs, checks, schedules and approvals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from store.models.core import _ts


class Alert(SQLModel, table=True):
    """Something a person should look at; OPEN until someone acknowledges it."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_tenant_status", "tenant_id", "status"),)

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=64)
    pipeline_id: str | None = Field(default=None, max_length=64)
    execution_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=32)  # see store.alerts.AlertKind
    severity: str = Field(max_length=16)  # CRITICAL, HIGH, MEDIUM, LOW
    status: str = Field(default="OPEN", max_length=16)  # OPEN, ACKNOWLEDGED
    message: str
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts(nullable=False)
    acknowledged_at: datetime | None = _ts(nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=200)
