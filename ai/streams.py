"""A generated pipeline that reads a stream (a Kafka topic) is a continuous pipeline.

The generator plans tables; a topic's fields are known only once its messages are read, so a
plan's transformations of a stream (written against the few columns every message has) would
drop the very fields the messages carry. ``as_continuous`` turns such a plan into what a data
engineer writes for "stream events from Kafka to X": the topic read as it is, straight into the
target (new fields become columns there), micro-batch after micro-batch (orchestration mode
``continuous``), each message loaded exactly once (the position is committed with the rows;
that is the request's ``deduplicate``). The request's ``topic``, ``consumer_group`` and
``start`` options are kept.
"""

from __future__ import annotations

from typing import Any

from connectors.registry import is_stream
from domain.definition import PipelineDefinition
from workflows.generation_payloads import DatasetSchema, TableSpec

_STREAM_OPTIONS = ("topic", "topics", "consumer_group", "start", "commit_to_broker")


def as_continuous(
    definition: PipelineDefinition, requested: list[TableSpec], datasets: list[DatasetSchema]
) -> PipelineDefinition:
    """The plan as a continuous pipeline when one of its sources is a stream; else unchanged."""
    streams = {
        d.dataset.lower(): d for d in datasets if d.connection_type and is_stream(d.connection_type)
    }
    names = [n for n in definition.sources if n.lower() in streams]
    if not names:
        return definition
    plan = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    for name in names:
        dataset = streams[name.lower()]
        options = _requested_options(requested, dataset)
        options.setdefault("topic", dataset.table)
        plan["sources"][name] = {"connection": dataset.connection, "options": options}
    stream = names[0]
    dropped = {t["name"].lower() for t in plan.get("transformations", [])}
    plan["transformations"] = []
    for sink in plan["sinks"].values():
        sink["from"] = stream
        if sink.get("mode") != "merge":
            sink["mode"] = "append"
        sink["deduplicate"] = False  # each message once: its position commits with the rows
    plan["quality_checks"] = [
        {**check, "dataset": None} if str(check.get("dataset") or "").lower() in dropped else check
        for check in plan.get("quality_checks", [])
        if not check.get("sql") and not check.get("columns") and not check.get("column")
    ]
    plan.setdefault("orchestration", {})["mode"] = "continuous"
    return PipelineDefinition.model_validate(plan)


def _requested_options(requested: list[TableSpec], dataset: DatasetSchema) -> dict[str, Any]:
    """The stream options the request gave for this topic (or for its only stream)."""
    given = [s.options for s in requested if any(k in s.options for k in _STREAM_OPTIONS)]
    for options in given:
        if options.get("topic") == dataset.table or dataset.table in (options.get("topics") or []):
            return {k: v for k, v in options.items() if k in _STREAM_OPTIONS}
    if len(given) == 1:
        return {k: v for k, v in given[0].items() if k in _STREAM_OPTIONS}
    return {}
