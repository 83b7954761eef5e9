"""The AI-ETL pipelines surface's words (AI-ETL pipelines API, AI-ETL platform API): a run's status
and a pipeline's."""

from __future__ import annotations

from domain.status import RunStatus

RUN_WORDS: dict[RunStatus, str] = {
    RunStatus.QUEUED: "pending",
    RunStatus.RUNNING: "running",
    RunStatus.COMPLETED: "success",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "cancelled",
}
"""A run's status in the AI-ETL APIs' words."""

PIPELINE_WORDS = {"CREATED": "draft", "ACTIVE": "active", "PAUSED": "paused"}
"""A pipeline's stored status in the AI-ETL pipelines API's words; others are shown lower-cased."""


def run_word(status: str) -> str:
    return RUN_WORDS[RunStatus(status)]


def pipeline_word(status: str) -> str:
    return PIPELINE_WORDS.get(status.upper(), status.lower())


def stored_pipeline_status(word: str) -> str:
    """The stored pipeline status a word stands for (unknown words upper-cased)."""
    reverse = {v: k for k, v in PIPELINE_WORDS.items()}
    return reverse.get(word.lower(), word.upper())
