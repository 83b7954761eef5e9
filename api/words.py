"""Words that surfaces under one prefix share: a run's status under ``/api/v1`` (the AI-ETL
pipelines API's runs and the AI-ETL platform API's metric labels say the same)."""

from __future__ import annotations

from domain.status import RunStatus

V1_RUN_WORDS: dict[RunStatus, str] = {
    RunStatus.QUEUED: "pending",
    RunStatus.RUNNING: "running",
    RunStatus.COMPLETED: "success",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "cancelled",
}
"""A run's status in the words of the ``/api/v1`` surfaces."""


def v1_run_word(status: str) -> str:
    return V1_RUN_WORDS[RunStatus(status)]
