"""Payloads of BatchSyncWorkflow (the connection syncs API's run_selected). Dataclasses only, no
I/O."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SyncTarget:
    """One connection (a pipeline addressed by name) of a batch."""

    pipeline_id: str
    name: str


@dataclass
class BatchSyncInput:
    task_id: str
    tenant_id: str
    targets: list[SyncTarget]


@dataclass
class StartSync:
    tenant_id: str
    pipeline_id: str


@dataclass
class StartedSync:
    """The run started for a connection, or why none could start."""

    execution_id: str | None
    workflow_id: str | None = None
    error: str | None = None


@dataclass
class SyncRun:
    tenant_id: str
    execution_id: str
    workflow_id: str


@dataclass
class SyncOutcome:
    status: str  # RunStatus value
    error: str | None = None
    note: str | None = None  # e.g. a cancel that came after the run's load had committed


@dataclass
class ConnectionResult:
    success: bool
    run_id: str | None
    error: str | None = None
    note: str | None = None


@dataclass
class BatchSyncState:
    """The batch's progress; its query answer while it runs and its result once it ends."""

    status: str  # queued | running | finished | cancelled
    connections: list[str]
    started_at: str
    current: str | None = None
    completed: list[str] = field(default_factory=list)
    canceled: bool = False
    finished_at: str | None = None
    results: dict[str, ConnectionResult] = field(default_factory=dict)
