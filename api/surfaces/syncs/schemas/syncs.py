"""Response bodies of the connection syncs API's connection syncs (root /connections,
/run_selected, …)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ConnectionOut(BaseModel):
    name: str
    type: str
    enabled: bool
    schema_name: str
    last_run_at: datetime | None
    problem: str | None = Field(
        default=None,
        description="set when the stored definition cannot run (it is listed all the same)",
    )


class ConnectionStatus(ConnectionOut):
    last_run_success: bool | None
    last_run_error: str | None
    last_run_duration_ms: int | None
    last_run_attempts: int | None


class SyncResult(BaseModel):
    success: bool
    duration_ms: int
    rows_inserted: int
    error: str | None
    report: str | None = None
    attempts: int | None
    records_reported: int | None
    progress_counts: dict[str, int] | None
    run_id: str | None


class AsyncStarted(BaseModel):
    message: str
    task_id: str
    connection: str


class BatchStarted(BaseModel):
    message: str
    task_id: str
    connections: list[str]


class TaskStatus(BaseModel):
    task_id: str
    kind: str  # batch | single
    status: str  # queued | running | finished | cancelled
    connections: list[str]
    current: str | None
    completed: list[str]
    canceled: bool
    started_at: datetime | None
    finished_at: datetime | None
    active: bool
    connection: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    results: dict[str, Any] | None = None


class Message(BaseModel):
    message: str


class HistoryEntry(BaseModel):
    run_id: str
    task_id: str
    connection: str
    status: str
    success: bool | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    rows_inserted: int
    attempts: int | None
    error: str | None
