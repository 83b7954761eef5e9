"""Describe a pipeline in words: overview, data flow, transformations, performance (pure).

The AI-ETL pipelines API's ``:describe`` answer: ``[{"section", "content"}]``. Performance comes
from measured
runs when there are any, and says it is an estimate when there are none.
"""

from __future__ import annotations

from ai.analysis.facts import (
    ARROW_ROWS_PER_SECOND,
    COPY_ROWS_PER_SECOND,
    PipelineFacts,
    human_ms,
    human_rows,
)
from ai.analysis.sqlfacts import sql_facts
from domain.definition.base import LoadMode
from domain.definition.model import PipelineDefinition, Sink, Source
from domain.definition.transformations import SqlTransformation

SECTIONS = ("overview", "data_flow", "transformations", "performance")


def describe(definition: PipelineDefinition, facts: PipelineFacts) -> list[dict[str, str]]:
    return [
        {"section": "overview", "content": _overview(definition, facts)},
        {"section": "data_flow", "content": _data_flow(definition, facts)},
        {"section": "transformations", "content": _transformations(definition)},
        {"section": "performance", "content": _performance(definition, facts)},
    ]


def _source_text(name: str, source: Source, facts: PipelineFacts) -> str:
    conn = facts.connection(source.connection)
    what = f"table {source.table}" if source.table else "a query"
    how = f", incrementally by {source.cursor}" if source.incremental else ""
    return f"{what} of {conn.type} connection {conn.name!r} (as {name}){how}"


def _sink_text(sink: Sink, facts: PipelineFacts) -> str:
    conn = facts.connection(sink.connection)
    return f"{sink.table} on {conn.type} connection {conn.name!r} ({sink.mode.value})"


def _overview(definition: PipelineDefinition, facts: PipelineFacts) -> str:
    sources = "; ".join(_source_text(n, s, facts) for n, s in definition.sources.items())
    sinks = "; ".join(_sink_text(s, facts) for s in definition.sinks.values())
    incremental = any(s.incremental for s in definition.sources.values())
    kind = "incremental" if incremental else "full"
    parts = [f"Pipeline {facts.name!r} performs a {kind} extraction of {sources}"]
    if definition.transformations:
        parts.append(f"applies {len(definition.transformations)} transformation(s)")
    if definition.quality_checks:
        parts.append(f"checks the data with {len(definition.quality_checks)} quality check(s)")
    text = ", ".join(parts) + f" and loads it into {sinks}."
    if facts.description:
        text += f" Purpose: {facts.description.strip()}"
    if definition.orchestration.schedule:
        text += (
            f" It runs on the schedule {definition.orchestration.schedule!r} "
            f"({definition.orchestration.timezone})."
        )
    return text


def _data_flow(definition: PipelineDefinition, facts: PipelineFacts) -> str:
    lines: list[str] = []
    for name, source in definition.sources.items():
        extra = ""
        if source.partitions > 1:
            extra = f" in {source.partitions} parallel ranges of {source.split_column}"
        lines.append(f"Extract: reads {_source_text(name, source, facts)}{extra}")
    for t in definition.transformations:
        tables = ", ".join(sorted(_reads(t.sql))) or "no dataset"
        lines.append(f"Transform: {t.name} ({t.type}) reads {tables}")
    if definition.quality_checks:
        names = ", ".join(c.name or c.type for c in definition.quality_checks)
        lines.append(f"Check: {names} before anything is loaded")
    for name, sink in definition.sinks.items():
        dataset = sink.input or definition.default_dataset()
        keys = f" on keys {', '.join(sink.keys)}" if sink.keys else ""
        lines.append(f"Load: {dataset} into {_sink_text(sink, facts)}{keys} (sink {name})")
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def _reads(sql: str) -> set[str]:
    return set(sql_facts(sql).tables)


def _transformations(definition: PipelineDefinition) -> str:
    items: list[str] = []
    for name, source in definition.sources.items():
        if source.incremental:
            items.append(
                f"Incremental filtering of {name} by {source.cursor} (only rows past the last "
                "run's high-water mark)"
            )
        if source.query:
            items.append(f"Source query of {name}: {_summary(source.query)}")
    for t in definition.transformations:
        if isinstance(t, SqlTransformation):
            items.append(f"{t.name}: {_summary(t.sql)}")
        else:
            items.append(f"{t.name}: declarative {t.type} step over {t.input}")
    for name, sink in definition.sinks.items():
        if sink.deduplicate:
            items.append(f"Deduplication by {', '.join(sink.keys)} (sink {name})")
        if sink.mode is LoadMode.merge:
            items.append(f"Upsert (merge) on {', '.join(sink.keys)} into {sink.table}")
        if sink.mode is LoadMode.replace:
            items.append(f"Atomic replacement of {sink.table} (staged, then swapped)")
    if not items:
        items.append("None: rows are copied as they are")
    return "\n".join(f"- {item}" for item in items)


def _summary(sql: str) -> str:
    f = sql_facts(sql)
    parts = [f"reads {', '.join(f.tables) or 'no table'}"]
    if f.joins:
        parts.append("joins " + ", ".join(f"{j.table} ({j.kind})" for j in f.joins))
    if f.where:
        parts.append(f"filters on {f.where}")
    if f.aggregates:
        by = f" by {', '.join(f.group_by)}" if f.group_by else ""
        parts.append(f"aggregates ({', '.join(f.aggregates)}){by}")
    if f.distinct:
        parts.append("removes duplicate rows (DISTINCT)")
    if f.window_functions:
        parts.append(f"uses {f.window_functions} window function(s)")
    if f.limit:
        parts.append("keeps a limited number of rows")
    return "; ".join(parts)


def _performance(definition: PipelineDefinition, facts: PipelineFacts) -> str:
    m = facts.measured
    if m is not None and m.runs:
        lines = [
            f"Measured over the last {m.runs} completed run(s):",
            f"- median duration {human_ms(m.median_duration_ms)}",
            f"- median rows extracted {human_rows(m.median_rows_extracted)}, "
            f"loaded {human_rows(m.median_rows_loaded)}",
        ]
        if m.rows_per_second:
            lines.append(f"- throughput {human_rows(m.rows_per_second * 60)} rows/min")
        if m.step_ms:
            slowest = max(m.step_ms, key=lambda k: m.step_ms[k])
            steps = ", ".join(f"{k} {human_ms(v)}" for k, v in sorted(m.step_ms.items()))
            lines.append(f"- time per step kind (median): {steps}; slowest: {slowest}")
        if m.failed_runs:
            lines.append(f"- {m.failed_runs} of the recent runs failed")
        return "\n".join(lines)
    fastest = min(_rate(facts, s) for s in definition.sources.values())
    lines = [
        "Estimate (no completed runs to measure yet):",
        f"- throughput up to about {human_rows(fastest * 60)} rows/min for the slowest source "
        "(PostgreSQL sources stream binary COPY; others are read as Arrow batches), "
        "measured on a 2-core machine",
    ]
    if any(s.incremental for s in definition.sources.values()):
        lines.append(
            "- incremental sources read only new rows, so a run's time follows the new rows"
        )
    split = [n for n, s in definition.sources.items() if s.partitions > 1]
    if split:
        lines.append(f"- {', '.join(split)} extracted in parallel ranges across workers")
    return "\n".join(lines)


def _rate(facts: PipelineFacts, source: Source) -> int:
    kind = facts.connection(source.connection).type
    return COPY_ROWS_PER_SECOND if kind == "postgresql" else ARROW_ROWS_PER_SECOND
