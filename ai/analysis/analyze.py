"""Analyze a pipeline definition with concrete static checks (pure).

Each check that fires is an issue (severity, category, message, location, recommendation) that
costs the quality score a fixed number of points, and may bring an improvement. The checks:
full scans where incremental is possible (and full scans appended every run), merge or
deduplicate without keys, SELECT *, missing partitioning, no quality checks, no retries,
unbounded cost (cartesian joins, very long timeouts), sorts that a load discards.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ai.analysis.facts import ESTIMATED_STEP_SECONDS, WORKER_HOUR_USD, PipelineFacts, human_rows
from ai.analysis.sqlfacts import SqlFacts, sql_facts
from domain.definition.base import LoadMode
from domain.definition.model import PipelineDefinition
from domain.definition.transformations import SqlTransformation

PENALTY = {"error": 20, "warning": 10, "info": 3}
LARGE_EXTRACT_ROWS = 1_000_000
LONG_TIMEOUT_MINUTES = 240
CURSOR_TYPES = ("timestamp", "date", "datetime")
CURSOR_NAMES = ("updated_at", "modified_at", "created_at", "inserted_at", "event_time", "ts")


@dataclass
class Issue:
    severity: str  # error, warning, info
    category: str  # correctness, performance, reliability, data_quality, cost, maintainability
    message: str
    location: str | None
    recommendation: str
    check: str  # which check found it


@dataclass(frozen=True)
class Improvement:
    type: str
    title: str
    description: str
    estimated_impact: str


def analyze(definition: PipelineDefinition, facts: PipelineFacts) -> dict:
    issues: list[Issue] = []
    improvements: dict[str, Improvement] = {}
    sql = _sql_of(definition)
    _full_scans(definition, facts, issues, improvements)
    _keys(definition, facts, issues)
    _select_star(sql, issues, improvements)
    _partitioning(definition, facts, issues, improvements)
    _quality_checks(definition, issues, improvements)
    _retries(definition, issues, improvements)
    _cost(definition, sql, issues)
    _sorts(sql, issues)
    score = max(0, 100 - sum(PENALTY[i.severity] for i in issues))
    return {
        "quality_score": score,
        "issues": [{k: v for k, v in asdict(i).items() if v is not None} for i in issues],
        "improvements": [asdict(i) for i in improvements.values()],
        "metrics": _metrics(definition, facts, sql, issues),
    }


def _sql_of(definition: PipelineDefinition) -> dict[str, SqlFacts]:
    """Location → facts of every SQL text the definition holds."""
    found: dict[str, SqlFacts] = {}
    for name, source in definition.sources.items():
        if source.query:
            found[f"sources.{name}.query"] = sql_facts(source.query)
    for t in definition.transformations:
        if isinstance(t, SqlTransformation):
            found[f"transformations.{t.name}.sql"] = sql_facts(t.sql)
    for i, check in enumerate(definition.quality_checks):
        if check.sql:
            found[f"quality_checks[{i}].sql"] = sql_facts(check.sql)
    return found


def cursor_candidate(facts: PipelineFacts, source_name: str) -> str | None:
    """A date or timestamp column of the source that could carry a high-water mark."""
    columns = facts.columns.get(source_name) or []
    dated = [c.name for c in columns if any(t in c.type.lower() for t in CURSOR_TYPES)]
    for preferred in CURSOR_NAMES:
        if preferred in dated:
            return preferred
    return dated[0] if dated else None


def _feeds(definition: PipelineDefinition, source_name: str) -> list[str]:
    return [
        name
        for name, sink in definition.sinks.items()
        if source_name.lower() in definition.lineage(sink.input)
    ]


def _full_scans(
    definition: PipelineDefinition,
    facts: PipelineFacts,
    issues: list[Issue],
    improvements: dict[str, Improvement],
) -> None:
    for name, source in definition.sources.items():
        if source.incremental:
            continue
        candidate = cursor_candidate(facts, name)
        how = (
            f"set incremental: true with cursor: {candidate}"
            if candidate
            else "add a monotonically increasing column (e.g. updated_at) and make it incremental"
        )
        appending = [
            s
            for s in _feeds(definition, name)
            if definition.sinks[s].mode is LoadMode.append and not definition.sinks[s].deduplicate
        ]
        if appending:
            issues.append(
                Issue(
                    "error",
                    "correctness",
                    f"source {name} is read in full and appended by sink(s) "
                    f"{', '.join(appending)}: every run loads the same rows again",
                    f"sources.{name}",
                    f"{how}, or load with mode merge (keys) or deduplicate: true",
                    "full_scan_append",
                )
            )
        elif candidate:
            issues.append(
                Issue(
                    "warning",
                    "performance",
                    f"source {name} is read in full every run although its column {candidate} "
                    "could carry a high-water mark",
                    f"sources.{name}",
                    how,
                    "full_scan",
                )
            )
        else:
            continue
        improvements["incremental"] = Improvement(
            "performance",
            "Load incrementally",
            "Keep a high-water mark per source and extract only rows past it; the mark "
            "advances in the same transaction as the rows it covers",
            _scan_impact(facts),
        )


def _scan_impact(facts: PipelineFacts) -> str:
    m = facts.measured
    if m and m.median_rows_extracted:
        return (
            f"reads only new rows instead of all {human_rows(m.median_rows_extracted)} "
            "extracted per run today"
        )
    return "each run reads only the rows added since the last one"


def _keys(definition: PipelineDefinition, facts: PipelineFacts, issues: list[Issue]) -> None:
    for name, sink in definition.sinks.items():
        if sink.mode is LoadMode.merge and not sink.keys:
            issues.append(
                Issue(
                    "error",
                    "correctness",
                    f"sink {name} merges without keys: no row can be matched",
                    f"sinks.{name}.keys",
                    "set keys to the columns that identify a row",
                    "merge_without_keys",
                )
            )
        if sink.deduplicate and not sink.keys:
            issues.append(
                Issue(
                    "error",
                    "correctness",
                    f"sink {name} deduplicates without keys",
                    f"sinks.{name}.keys",
                    "set keys to the columns that identify a row",
                    "deduplicate_without_keys",
                )
            )
        dataset = (sink.input or definition.default_dataset() or "").lower()
        source = next((s for s in definition.sources if s.lower() == dataset), None)
        columns = {c.name: c for c in facts.columns.get(source or "", [])}
        nullable = [k for k in sink.keys if k in columns and columns[k].nullable]
        if nullable:
            issues.append(
                Issue(
                    "warning",
                    "correctness",
                    f"sink {name}'s key column(s) {', '.join(nullable)} may be NULL in the "
                    "source; rows with a NULL key are refused at load time",
                    f"sinks.{name}.keys",
                    f"add a not_null quality check on {', '.join(nullable)}",
                    "nullable_keys",
                )
            )


def _select_star(
    sql: dict[str, SqlFacts], issues: list[Issue], improvements: dict[str, Improvement]
) -> None:
    for location, f in sql.items():
        if f.star_line is not None and not location.startswith("quality_checks"):
            issues.append(
                Issue(
                    "warning",
                    "maintainability",
                    "SELECT * reads every column: a column added upstream changes what is loaded",
                    f"{location}:line {f.star_line}",
                    "list the columns the target needs",
                    "select_star",
                )
            )
            improvements["columns"] = Improvement(
                "maintainability",
                "Name the columns",
                "Select the columns the target needs instead of *",
                "fewer bytes moved and no surprise schema changes in the target",
            )


def _partitioning(
    definition: PipelineDefinition,
    facts: PipelineFacts,
    issues: list[Issue],
    improvements: dict[str, Improvement],
) -> None:
    rows = facts.measured.median_rows_extracted if facts.measured else None
    for name, source in definition.sources.items():
        if source.partitions > 1:
            continue
        column = source.cursor or cursor_candidate(facts, name) or "a numeric or date column"
        if rows is not None and rows >= LARGE_EXTRACT_ROWS:
            issues.append(
                Issue(
                    "warning",
                    "performance",
                    f"source {name} is extracted as one range although runs move "
                    f"{human_rows(rows)} rows",
                    f"sources.{name}",
                    f"set partitions: 4 and split_by: {column} to extract ranges in parallel",
                    "missing_partitioning",
                )
            )
            improvements["partitions"] = Improvement(
                "performance",
                "Split the extract",
                "Extract ranges of a column as parallel activities that any worker may take",
                "extract time divided by up to the number of ranges, given as many workers",
            )
        elif rows is None and not source.incremental:
            issues.append(
                Issue(
                    "info",
                    "performance",
                    f"source {name} is extracted as one range (fine below about "
                    f"{human_rows(LARGE_EXTRACT_ROWS)} rows)",
                    f"sources.{name}",
                    f"for large tables set partitions and split_by: {column}",
                    "missing_partitioning",
                )
            )


def _quality_checks(
    definition: PipelineDefinition, issues: list[Issue], improvements: dict[str, Improvement]
) -> None:
    if definition.quality_checks:
        return
    keys = sorted({k for s in definition.sinks.values() for k in s.keys})
    suggestion = f"not_null and unique on {', '.join(keys)}" if keys else "a row_count min 1"
    issues.append(
        Issue(
            "warning",
            "data_quality",
            "no quality checks: bad or empty data is loaded without notice",
            "quality_checks",
            f"add checks run before loading, e.g. {suggestion}",
            "no_quality_checks",
        )
    )
    improvements["checks"] = Improvement(
        "data_quality",
        "Add quality checks",
        "Checks run on the staged data before anything is loaded; a failing one stops the run",
        "bad data stopped before it reaches the target",
    )


def _retries(
    definition: PipelineDefinition, issues: list[Issue], improvements: dict[str, Improvement]
) -> None:
    if definition.orchestration.retries > 0:
        return
    issues.append(
        Issue(
            "warning",
            "reliability",
            "retries is 0: a connection reset or timeout fails the whole run",
            "orchestration.retries",
            "set retries to 3 (steps are retry-safe: loads and cursors commit once)",
            "no_retries",
        )
    )
    improvements["retries"] = Improvement(
        "reliability",
        "Retry transient failures",
        "Temporal retries each step with exponential backoff; terminal errors are not retried",
        "transient failures no longer fail runs",
    )


def _cost(definition: PipelineDefinition, sql: dict[str, SqlFacts], issues: list[Issue]) -> None:
    for location, f in sql.items():
        for join in f.cartesian_joins:
            issues.append(
                Issue(
                    "error",
                    "cost",
                    f"join with {join.table} has no condition: a cartesian product whose rows "
                    "multiply",
                    location,
                    "join on the columns that relate the tables (JOIN ... ON ...)",
                    "cartesian_join",
                )
            )
    minutes = definition.orchestration.timeout_minutes
    if minutes > LONG_TIMEOUT_MINUTES:
        issues.append(
            Issue(
                "warning",
                "cost",
                f"each step may run for {minutes} minutes, "
                f"{definition.orchestration.retries + 1} time(s): a stuck step costs up to "
                f"{_hours(definition)} worker-hours",
                "orchestration.timeout_minutes",
                "set timeout_minutes to a few times the measured step duration",
                "unbounded_cost",
            )
        )


def _sorts(sql: dict[str, SqlFacts], issues: list[Issue]) -> None:
    for location, f in sql.items():
        if f.order_by and not f.limit and not location.startswith("quality_checks"):
            issues.append(
                Issue(
                    "info",
                    "performance",
                    "ORDER BY without LIMIT: a loaded table keeps no row order, so the sort is "
                    "work for nothing",
                    location,
                    "remove the ORDER BY (sort when reading the target)",
                    "useless_sort",
                )
            )


def _steps(definition: PipelineDefinition) -> int:
    extracts = sum(s.partitions for s in definition.sources.values())
    checks = 1 if definition.quality_checks else 0
    return extracts + len(definition.transformations) + checks + len(definition.sinks)


def _hours(definition: PipelineDefinition) -> float:
    o = definition.orchestration
    return round(_steps(definition) * o.timeout_minutes * (o.retries + 1) / 60, 1)


def _metrics(
    definition: PipelineDefinition,
    facts: PipelineFacts,
    sql: dict[str, SqlFacts],
    issues: list[Issue],
) -> dict:
    joins = sum(len(f.joins) for f in sql.values())
    aggregates = sum(len(f.aggregates) for f in sql.values())
    windows = sum(f.window_functions for f in sql.values())
    complexity = (
        1
        + 0.5 * (len(definition.sources) - 1)
        + 0.4 * len(definition.transformations)
        + 0.6 * joins
        + 0.3 * aggregates
        + 0.5 * windows
        + 0.1 * len(definition.quality_checks)
    )
    lines = sum(f.lines for f in sql.values())
    stars = sum(1 for i in issues if i.check == "select_star")
    undocumented = sum(1 for t in definition.transformations if not t.description)
    maintainability = 100 - 5 * stars - 2 * undocumented - max(0, lines - 20) // 5
    bound = _hours(definition) * WORKER_HOUR_USD
    metrics: dict = {
        "complexity_score": round(complexity, 1),
        "maintainability_index": max(0, min(100, maintainability)),
        "steps": _steps(definition),
        "sql_lines": lines,
        "issues_by_severity": {
            s: sum(1 for i in issues if i.severity == s) for s in ("error", "warning", "info")
        },
        "max_cost_per_run": f"${bound:.2f}",
    }
    m = facts.measured
    if m and m.runs:
        cost = m.median_duration_ms / 3_600_000 * WORKER_HOUR_USD
        metrics["estimated_cost_per_run"] = f"${cost:.4f}"
        metrics["cost_basis"] = (
            f"estimate: median {m.median_duration_ms / 1000:.1f} s of worker time over "
            f"{m.runs} measured run(s) at ${WORKER_HOUR_USD:.2f} per worker-hour"
        )
        metrics["measured_runs"] = m.runs
        if m.rows_per_second:
            metrics["rows_per_second"] = round(m.rows_per_second)
    else:
        steps = _steps(definition)
        cost = steps * ESTIMATED_STEP_SECONDS / 3600 * WORKER_HOUR_USD
        metrics["estimated_cost_per_run"] = f"${cost:.4f}"
        metrics["cost_basis"] = (
            f"estimate from the definition (no completed runs to measure yet): {steps} step(s) "
            f"at about {ESTIMATED_STEP_SECONDS:g} s of worker time each, at "
            f"${WORKER_HOUR_USD:.2f} per worker-hour; max_cost_per_run is every step running "
            "to its timeout on every attempt"
        )
        metrics["measured_runs"] = 0
    return metrics
