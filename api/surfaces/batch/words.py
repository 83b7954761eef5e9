"""The named batch pipelines surface's words (the named batch pipelines API, /api/pipeline): a
run's status."""

from __future__ import annotations

from domain.status import RunStatus

RUN_WORDS: dict[RunStatus, str] = {
    RunStatus.QUEUED: "QUEUED",
    RunStatus.RUNNING: "STARTED",
    RunStatus.COMPLETED: "SUCCESS",
    RunStatus.FAILED: "FAILURE",
    RunStatus.CANCELLED: "CANCELED",
}
"""A run's status in the named batch pipelines API's words."""


def run_word(status: str) -> str:
    return RUN_WORDS[RunStatus(status)]


def from_word(word: str) -> RunStatus | None:
    """The status a the named batch pipelines API word (or one of our own words) stands for; None
    when unknown."""
    wanted = word.strip().upper()
    for status, seed_word in RUN_WORDS.items():
        if wanted in (seed_word, status.value):
            return status
    return None
