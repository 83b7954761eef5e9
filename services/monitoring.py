"""Metrics of runs over a period, computed from the store's record of real runs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core.settings import CostSettings
from domain import cost
from domain.status import RunStatus
from store.models import Execution, RunStep
from store.runs import elapsed_ms

_PERIOD_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_PERIOD = timedelta(days=366)

Run = tuple[Execution, Sequence[RunStep]]


def parse_period(text: str) -> timedelta:
    """``24h``, ``7d``, ``30d``, ``4w``: a whole number and a unit (h, d or w), up to a year."""
    match = re.fullmatch(r"([0-9]{1,4})([hdw])", text.strip())
    if not match or int(match[1]) == 0:
        raise ValueError(
            f"period {text!r} is not a duration such as '24h', '7d', '30d' or '4w' "
            "(a whole number and a unit: h, d or w)"
        )
    period = int(match[1]) * _PERIOD_UNITS[match[2]]
    if period > MAX_PERIOD:
        raise ValueError(f"period {text!r} is longer than the maximum of 366 days")
    return period


def duration_ms(execution: Execution) -> int | None:
    if execution.finished_at is None:
        return None
    return elapsed_ms(execution.started_at, execution.finished_at)


@dataclass
class Summary:
    execution_count: int
    finished: int
    succeeded: int
    failed: int
    avg_duration_ms: int | None
    rows_processed: int
    rows_loaded: int
    bytes_processed: int
    cost_usd: float

    @property
    def success_rate(self) -> float | None:
        return round(self.succeeded / self.finished, 4) if self.finished else None


def summarize(runs: Sequence[Run], rates: CostSettings) -> Summary:
    durations = [d for e, _ in runs if (d := duration_ms(e)) is not None]
    measured = [cost.measure(e, steps) for e, steps in runs]
    statuses = [RunStatus(e.status) for e, _ in runs]
    return Summary(
        execution_count=len(runs),
        finished=sum(1 for s in statuses if s.finished),
        succeeded=statuses.count(RunStatus.COMPLETED),
        failed=statuses.count(RunStatus.FAILED),
        avg_duration_ms=round(sum(durations) / len(durations)) if durations else None,
        rows_processed=sum(m.rows_extracted for m in measured),
        rows_loaded=sum(m.rows_loaded for m in measured),
        bytes_processed=sum(m.bytes_extracted for m in measured),
        cost_usd=cost.usd(sum(cost.price(m, rates).total for m in measured)),
    )


def daily_history(runs: Sequence[Run], rates: CostSettings) -> list[dict[str, Any]]:
    """One entry per day with runs: counts, the day's last status, mean duration, rows, cost."""
    days: dict[str, list[Run]] = {}
    for run in runs:
        days.setdefault(run[0].submitted_at.date().isoformat(), []).append(run)
    history = []
    for day, day_runs in sorted(days.items()):
        summary = summarize(day_runs, rates)
        history.append(
            {
                "date": day,
                "status": day_runs[-1][0].status,
                "executions": summary.execution_count,
                "succeeded": summary.succeeded,
                "failed": summary.failed,
                "durationMs": summary.avg_duration_ms,
                "rows": summary.rows_processed,
                "rowsLoaded": summary.rows_loaded,
                "costUsd": summary.cost_usd,
            }
        )
    return history
