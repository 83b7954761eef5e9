"""What describe and analyze know besides the definition: connections, measured runs, columns.

All optional: with none of them (a freshly generated definition) both still answer, from the
definition alone, and say which figures are estimates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.base import ColumnInfo

# Measured on a 2-core machine (ARCHITECTURE.md): PostgreSQL sources stream binary COPY, the
# others are read as Arrow batches; a per-row Python step caps near the second figure.
COPY_ROWS_PER_SECOND = 600_000
ARROW_ROWS_PER_SECOND = 100_000

# What one worker-hour is priced at when a run's cost is estimated (no cloud bill to read).
WORKER_HOUR_USD = 0.10
# A step's worker time before any run is measured: an activity's start, its connections and a
# small table's batches (the runs of the test suite's pipelines take 0.5-3 s per step).
ESTIMATED_STEP_SECONDS = 2.0


@dataclass(frozen=True)
class ConnectionFacts:
    name: str
    type: str


@dataclass(frozen=True)
class RunMeasurements:
    """Medians over the pipeline's last completed runs, read from the store."""

    runs: int
    failed_runs: int
    median_duration_ms: int
    median_rows_extracted: int
    median_rows_loaded: int
    step_ms: dict[str, int] = field(default_factory=dict)  # median per step kind

    @property
    def rows_per_second(self) -> float | None:
        if not self.median_duration_ms or not self.median_rows_extracted:
            return None
        return self.median_rows_extracted / (self.median_duration_ms / 1000)


@dataclass
class PipelineFacts:
    name: str
    description: str | None = None
    connections: dict[str, ConnectionFacts] = field(default_factory=dict)  # ref → facts
    measured: RunMeasurements | None = None
    columns: dict[str, list[ColumnInfo]] = field(default_factory=dict)  # source name → columns

    def connection(self, ref: str) -> ConnectionFacts:
        return self.connections.get(ref) or ConnectionFacts(ref, "unknown")


def human_rows(value: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return str(round(value))


def human_ms(ms: int) -> str:
    if ms < 1000:
        return f"{ms} ms"
    if ms < 120_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms / 60_000:.1f} min"
