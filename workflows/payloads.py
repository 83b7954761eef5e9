"""Inputs and outputs of workflows and activities: plain dataclasses, no I/O.

Row data never travels here: steps pass references (staging tables, counts).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Re-exported: workflow and activity code keep importing it from here.
from domain.status import RunStatus as RunStatus


@dataclass
class RunInput:
    execution_id: str
    tenant_id: str
    pipeline_id: str
    pipeline_version: int


@dataclass
class StepRef:
    """Identifies a step of a run for the activity that records its progress."""

    execution_id: str
    tenant_id: str
    pipeline_id: str
    name: str
    batch: int = 0  # a continuous run's micro-batch (from 1); 0: a batch run's only one

    @property
    def load_id(self) -> str:
        """The load's key in its target's ledger: one per run, sink and micro-batch."""
        suffix = f"#{self.batch}" if self.batch else ""
        return f"{self.execution_id}/{self.name}{suffix}"


@dataclass
class Cursor:
    """The high-water mark of an incremental source, kept in the target database."""

    source: str  # the source's name in the definition
    column: str
    staging_table: str  # where that source's rows are staged: the new mark is their maximum
    inclusive: bool  # >= instead of >: merge loads re-read the last value, losing no late rows
    full_refresh: bool  # ignore the stored mark this run
    # The sink's target table: files and ClickHouse targets keep the mark next to it or derive
    # it from it ("" in plans recorded before they could be incremental).
    target_table: str = ""
    # max: the column's high-water mark; offsets: a stream's position per partition, kept as
    # JSON (connectors.offsets), ``column`` its offset column
    kind: str = "max"


@dataclass
class Partition:
    """One range of a split extract: ``lower <= column < upper``; an open end has no bound.

    The first range also takes the rows whose column is NULL, so the ranges cover every row.
    """

    column: str
    lower: str | None  # a literal of the column's type, as text
    upper: str | None


@dataclass
class ExtractStep:
    ref: StepRef
    source_connection_id: str
    query: str  # what the source runs, e.g. SELECT * FROM "public"."orders"
    target_connection_id: str
    staging_table: str  # schema-qualified name in the target database
    cursor: Cursor | None = None
    partition: Partition | None = None  # None: the whole source, into a fresh staging table
    # The rows go unchanged to one files target's load and to no other step, so they may be
    # staged as one Parquet file instead of a table (connectors.files.staged).
    to_file: bool = False


@dataclass
class TransformStep:
    ref: StepRef
    connection_id: str
    sql: str  # already rewritten to read staging tables
    output_table: str


@dataclass
class CheckSpec:
    name: str
    type: str
    table: str  # the checked dataset's staging table
    columns: list[str] = field(default_factory=list)
    # Any: JSON numbers keep their type (under int | float the converter turns 1.5 into 1).
    min: Any = None  # row_count: rows; range: a number or an ISO date/timestamp string
    max: Any = None
    severity: str = "fail"  # warn | fail | approve (stops the run like fail, for now)
    column: str | None = None  # accepted_values, range, freshness
    values: list[Any] = field(default_factory=list)  # accepted_values
    max_age: str | None = None  # freshness, as written (e.g. "24h")
    max_age_seconds: int | None = None
    sql: str | None = None  # custom_sql, already rewritten to read staging tables


@dataclass
class QualityStep:
    ref: StepRef
    connection_id: str
    checks: list[CheckSpec]


@dataclass
class LoadStep:
    ref: StepRef
    connection_id: str
    input_table: str
    target_table: str
    mode: str  # append | replace | merge
    input_is_private: bool  # only this load reads the input, so replace may move it
    keys: list[str] = field(default_factory=list)
    deduplicate: bool = False
    cursors: list[Cursor] = field(default_factory=list)  # committed with the rows they cover
    input_rows: int | None = None  # rows staged in the input, as the steps that made it counted
    options: dict[str, Any] = field(default_factory=dict)  # the target's own, e.g. ClickHouse's
    # Set (to the run's number of steps) when this load ends the run. Once it has committed,
    # nothing can change the run's outcome, so its activity records the run COMPLETED at once:
    # readers see the end without waiting for the workflow's own bookkeeping, whose record of
    # the same end then changes nothing but a note it brings.
    run_steps: int | None = None


@dataclass
class CleanupStep:
    ref: StepRef
    connection_ids: list[str]
    staging_prefix: str
    # PostgreSQL and DuckDB targets where a completed run leaves nothing staged: every table
    # staged there is the one input of a replace load, which moved it into place.
    emptied_by_loads: list[str] = field(default_factory=list)

    def left_after_completion(self) -> CleanupStep | None:
        """What a completed run leaves staged: the databases its loads did not empty."""
        left = [c for c in self.connection_ids if c not in self.emptied_by_loads]
        return dataclasses.replace(self, connection_ids=left) if left else None


@dataclass
class RunPlan:
    extracts: list[ExtractStep]
    transforms: list[TransformStep]
    quality: list[QualityStep]
    loads: list[LoadStep]
    cleanup: CleanupStep
    retries: int
    timeout_minutes: int
    pipeline_name: str
    heartbeat_timeout_seconds: float = 20.0
    # How long a run paused by a failed ``approve`` check waits for a decision (the default is
    # what plans recorded before the setting existed mean).
    approval_timeout_seconds: float = 24 * 3600.0
    # A continuous pipeline's wait after a micro-batch that found nothing new; None: a batch run.
    idle_seconds: float | None = None
    # The one extract and the one load stream the rows from source to target as one activity,
    # in one target transaction (activities/extract_load.py): PostgreSQL to PostgreSQL, a
    # replace or plain append with nothing between them. False in plans recorded before.
    fused: bool = False

    @property
    def step_names(self) -> list[str]:
        steps: list[ExtractStep | TransformStep | QualityStep | LoadStep] = [
            *self.extracts,
            *self.transforms,
            *self.quality,
            *self.loads,
        ]
        return [s.ref.name for s in steps]


@dataclass
class ExtractLoadStep:
    """A fused plan's two steps (``RunPlan.fused``), run as one activity."""

    extract: ExtractStep
    load: LoadStep


@dataclass
class StepResult:
    name: str
    rows: int = 0
    bytes: int = 0
    detail: str | None = None


@dataclass
class RecordRun:
    """A status transition of a run, written to the store by an activity."""

    execution_id: str
    tenant_id: str
    status: RunStatus
    total_tasks: int = 0
    message: str | None = None
    note: str | None = None  # a completed run's remark, e.g. that a cancel came too late

    @classmethod
    def completed(
        cls, execution_id: str, tenant_id: str, total_tasks: int, loaded: int, note: str | None
    ) -> RecordRun:
        """A run's successful end, with the number of rows its loads wrote."""
        message = completed_message(loaded, note)
        return cls(execution_id, tenant_id, RunStatus.COMPLETED, total_tasks, message, note)


def completed_message(loaded: int, note: str | None) -> str:
    """What a completed run's end says: the rows its loads wrote, and its note."""
    return f"{loaded} rows loaded" + (f"; {note}" if note else "")


@dataclass
class Progress:
    status: RunStatus
    total_tasks: int = 0
    completed_tasks: int = 0
    current_task: str | None = None
    # A continuous run's stream: batches, messages, messages/s, lag and committed offsets per
    # partition (workflows.stream_run.StreamStatus as a dict); None for a batch run.
    stream: dict[str, Any] | None = None

    @property
    def percentage(self) -> int:
        if self.status is RunStatus.COMPLETED:
            return 100
        return round(100 * self.completed_tasks / self.total_tasks) if self.total_tasks else 0


@dataclass
class RunResult:
    execution_id: str
    status: RunStatus
    rows_loaded: int
    steps: list[StepResult]
    note: str | None = None
