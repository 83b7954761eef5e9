"""The platform surface's words (/api/v1): a run's status as a metric label, in the same words
as the AI-ETL pipelines' runs under the same prefix."""

from __future__ import annotations

from domain.status import RunStatus

RUN_WORDS: dict[RunStatus, str] = {
    RunStatus.QUEUED: "pending",
    RunStatus.RUNNING: "running",
    RunStatus.COMPLETED: "success",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "cancelled",
}
"""A run's status as the ``status`` label of a metric point."""


def run_word(status: str) -> str:
    return RUN_WORDS[RunStatus(status)]
