"""The one status enum of a run and of its steps; each API surface maps it to its own words
(api/surfaces/<surface>/words.py). Its values are stored in the database and recorded in
workflow histories: they never change."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """A run's (or a step's) status."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def finished(self) -> bool:
        """True once the run can no longer change: completed, failed or cancelled."""
        return self in FINISHED


ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
"""Statuses of a run that has not finished."""

FINISHED = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED})
"""Statuses of a run that has finished."""
