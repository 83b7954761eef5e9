"""What the run log endpoints of both surfaces (the AI-ETL pipelines API's /api/v1/runs/{id}/logs
and the pipeline service API's /v1/pipelines/executions/{id}/logs) add when asked for lines
``after`` a cursor: each line's id and the cursor of the next call. Without ``after`` their
answers are as documented, without these fields."""

from __future__ import annotations

from typing import Any

from pydantic import Field

LOG_LINE_ID = "the line's id, a cursor for `after` (given only when the request gave `after`)"
NEXT_AFTER = "the cursor to pass as `after` next time (given only when the request gave `after`)"


def _absent(value: Any) -> bool:
    return value is None


def line_id() -> Any:
    """The ``id`` field of a log line."""
    return Field(default=None, exclude_if=_absent, description=LOG_LINE_ID)


def next_after() -> Any:
    """The ``next_after`` field of a log answer."""
    return Field(default=None, exclude_if=_absent, description=NEXT_AFTER)
