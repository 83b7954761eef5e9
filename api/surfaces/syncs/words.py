"""The connection syncs surface's words (the connection syncs API, /): a run's status as a task
status."""

from __future__ import annotations

from domain.status import RunStatus

TASK_WORDS: dict[RunStatus, str] = {
    RunStatus.QUEUED: "queued",
    RunStatus.RUNNING: "running",
    RunStatus.COMPLETED: "finished",
    RunStatus.FAILED: "finished",
    RunStatus.CANCELLED: "cancelled",
}
"""A run's status as the connection syncs API's task status."""
