"""Rules for stream sources (Kafka) and continuous pipelines, given each connection's type.

A stream source reads from the position its sink's target keeps, so it feeds exactly one sink
that appends or merges (a replace would keep only the latest micro-batch) into a target that
can hold the position with the rows (every target but a Kafka topic). A continuous pipeline
needs a stream to follow.
"""

from __future__ import annotations

from connectors.registry import canonical_type, is_stream
from domain.definition import LoadMode, PipelineDefinition

Problem = tuple[list[str], str]  # (where in the definition, what to fix)


def stream_problems(definition: PipelineDefinition, types: dict[str, str]) -> list[Problem]:
    """``types``: each connection reference's connection type (unknown references left out)."""
    problems: list[Problem] = []
    streams = 0
    for name, source in definition.sources.items():
        kind = types.get(source.connection)
        if kind is None:
            continue
        where = ["sources", name]
        if not is_stream(kind):
            if source.options:
                problems.append(
                    ([*where, "options"], f"a {kind} source takes no options (Kafka sources do)")
                )
            continue
        streams += 1
        if source.query is not None:
            problems.append(
                ([*where, "query"], "a Kafka source reads topics: give options.topic, not a query")
            )
        if source.incremental or source.partitions > 1:
            problems.append(
                (
                    where,
                    "a Kafka source keeps its own position per partition: drop 'incremental', "
                    "'cursor' and 'partitions'",
                )
            )
        sinks = [
            s
            for s, sink in definition.sinks.items()
            if name.lower() in definition.lineage(sink.input)
        ]
        if len(sinks) != 1:
            problems.append(
                (
                    where,
                    "a Kafka source must feed exactly one sink (its position is kept there), "
                    f"not {len(sinks)}",
                )
            )
            continue
        sink = definition.sinks[sinks[0]]
        if sink.mode is LoadMode.replace:
            problems.append(
                (
                    ["sinks", sinks[0], "mode"],
                    "a sink fed by a Kafka source appends or merges: a replace would keep only "
                    "the latest batch",
                )
            )
        if canonical_type(types.get(sink.connection, "")) == "kafka":
            problems.append(
                (
                    ["sinks", sinks[0], "connection"],
                    "a Kafka source cannot feed a Kafka sink: a topic cannot hold the position "
                    "read with the rows; load into a database or files",
                )
            )
    if definition.orchestration.mode == "continuous" and not streams:
        problems.append(
            (
                ["orchestration", "mode"],
                "a continuous pipeline follows a stream: it needs a Kafka source",
            )
        )
    return problems
