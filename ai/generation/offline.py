"""The built-in planner: an intent and the introspected schemas → a pipeline, with no model.

Deterministic rules over the intent's words and the real column names: which tables (joined on
their ``<table>_id`` columns, query.py), which filters (filters.py), aggregations
(measures.py), deduplication, incremental cursor and load mode (loading.py). It answers in the
same JSON the LLM is asked for, so both go through one check.
"""

from __future__ import annotations

import json
from typing import Any

from ai.generation import query, words
from ai.generation.filters import quality_checks, where
from ai.generation.loading import cursor_column, plan_load, sink
from ai.generation.measures import aggregations
from ai.generation.planning import Plan, PlanningError
from workflows.generation_payloads import GenerationContext, GenerationInput

__all__ = ["PlanningError", "plan", "plan_dict"]


def plan(request: GenerationInput, context: GenerationContext) -> str:
    """The planner's answer as JSON: ``{"description", "tags", "definition", "explanations"}``."""
    return json.dumps(plan_dict(request, context))


def plan_dict(request: GenerationInput, context: GenerationContext) -> dict[str, Any]:
    if context.target is None or not context.sources:
        raise PlanningError("a source table and a target are needed")
    text = " ".join(request.intent.split())
    low = text.lower()
    constraints = request.constraints or {}
    hints = request.hints or {}
    p = Plan()
    joined, how = query.join(low, context.sources)
    main = joined[0][0]
    outputs = query.columns(joined)
    resolve = query.resolver(joined, outputs)

    filters = where(text, low, joined, resolve, p)
    groups, aggs = aggregations(low, joined, resolve, outputs, constraints.get("partition_by"), p)

    # Projection: "only the a, b and c columns".
    if not aggs:
        picked = query.projection(low, resolve)
        if picked:
            outputs = picked
            p.explain("transform_sql", "Keeps only " + ", ".join(o.name for o in outputs))

    target = context.target
    load = plan_load(low, constraints, main, resolve, outputs, groups, bool(aggs), target, p)

    # The transformation SQL.
    style = hints.get("dwh_conventions")
    select_outputs = groups + aggs if aggs else outputs
    for o in select_outputs:
        o.name = words.convention(o.name, style) if style else o.name
    keys = [words.convention(k, style) if style else k for k in load.keys]
    sql = query.select(joined, how, select_outputs, filters, groups if aggs else [], bool(aggs))
    if load.dedupe and keys:
        order = cursor_column(None, main)  # the latest row of each key is kept
        order_by = order.name if order else None
        sql = query.one_row_per_key(
            joined, how, outputs, select_outputs, filters, keys[0], order_by, p
        )
    if not load.dedupe:
        sql = query.top(low, sql, select_outputs, p)

    name = words.safe_name(target.table, {d.dataset for d, _ in joined}, "out")
    sources: dict[str, Any] = {}
    for dataset, _ in joined:
        source: dict[str, Any] = {"connection": dataset.connection, "table": dataset.qualified}
        if dataset is main and load.cursor is not None:
            source.update(incremental=True, cursor=load.cursor.name)
            p.explain(
                "transform_sql",
                f"Incremental: reads only rows whose {load.cursor.name} is "
                "past the last run's high-water mark",
            )
        sources[dataset.dataset] = source
    target_sink, keys = sink(target, constraints, load, keys, [o.name for o in select_outputs], p)
    checks: list[dict[str, Any]] = []
    if keys:
        checks.append({"name": "keys_present", "type": "not_null", "columns": keys})
        checks.append({"name": "one_row_per_key", "type": "unique", "columns": keys})
    checks += quality_checks(low, select_outputs)
    p.explain(
        "pipeline_yaml",
        f"Loads into {target.qualified} with mode {load.mode}"
        + (f" on keys {', '.join(keys)}" if keys and load.mode != "replace" else ""),
    )
    p.tags.update({main.connection_type, target.connection_type, load.mode})
    definition = {
        "sources": sources,
        "transformations": [{"name": name, "type": "sql", "sql": sql}],
        "sinks": {"target": target_sink},
        "quality_checks": checks,
        "orchestration": {"retries": 3, "timeout_minutes": 60},
    }
    kind = "Incremental" if load.cursor else "Full"
    description = (
        f"{kind} {load.mode} of {', '.join(d.qualified for d, _ in joined)} from "
        f"{main.connection} into {target.qualified} on {target.connection}"
    )
    return {
        "description": description,
        "tags": sorted(p.tags),
        "definition": definition,
        "explanations": p.explanations,
    }
