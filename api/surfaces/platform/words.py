"""The platform surface's words (/api/v1): a run's status as the ``status`` label of a metric
point, in the words every ``/api/v1`` surface uses (``api.words``)."""

from __future__ import annotations

from api.words import V1_RUN_WORDS as RUN_WORDS
from api.words import v1_run_word as run_word

__all__ = ["RUN_WORDS", "run_word"]
