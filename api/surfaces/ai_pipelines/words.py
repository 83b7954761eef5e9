"""The AI-ETL pipelines surface's words (AI-ETL pipelines API, AI-ETL platform API): a run's status
and a pipeline's."""

from __future__ import annotations

from api.words import V1_RUN_WORDS as RUN_WORDS
from api.words import v1_run_word as run_word

__all__ = [
    "LISTED_WORDS",
    "PIPELINE_WORDS",
    "RUN_WORDS",
    "pipeline_word",
    "run_word",
    "stored_pipeline_status",
]

PIPELINE_WORDS = {"CREATED": "draft", "ACTIVE": "active", "PAUSED": "paused"}
"""A pipeline's stored status in the AI-ETL pipelines API's words; others are shown lower-cased."""


DEPLOYED = "deployed"
"""A pipeline with a live deployment, unless paused or archived."""

LISTED_WORDS = (*PIPELINE_WORDS.values(), "archived", DEPLOYED)
"""The statuses a pipeline list can be filtered by: every word a pipeline is shown with."""


def pipeline_word(status: str, *, deployed: bool = False) -> str:
    if deployed and status.upper() not in ("PAUSED", "ARCHIVED"):
        return DEPLOYED
    return PIPELINE_WORDS.get(status.upper(), status.lower())


def stored_pipeline_status(word: str) -> str:
    """The stored pipeline status a word stands for (unknown words upper-cased)."""
    reverse = {v: k for k, v in PIPELINE_WORDS.items()}
    return reverse.get(word.lower(), word.upper())
