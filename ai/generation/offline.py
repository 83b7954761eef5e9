"""The built-in planner: an intent and the introspected schemas → a pipeline, with no model.

The intent is understood once (ai/generation/intent: grounding in the real columns, values and
foreign keys, dates with the calendar); the load mode, keys and cursor follow (loading.py). It
answers in the same JSON the LLM is asked for, ``interpretation`` and ``unresolved`` included,
so both go through one check.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ai.generation import words
from ai.generation.checks import quality_checks
from ai.generation.intent import sql as intent_sql
from ai.generation.intent.lexicon import SYSTEM_WORDS
from ai.generation.intent.understand import normalize, understand
from ai.generation.loading import cursor_column, plan_load, sink
from ai.generation.planning import Out, Plan, PlanningError
from ai.generation.resolve import Joined, resolver
from workflows.generation_payloads import GenerationContext, GenerationInput

__all__ = ["PlanningError", "plan", "plan_dict", "system_words"]


def plan(request: GenerationInput, context: GenerationContext) -> str:
    """The planner's answer as JSON: ``{"description", "tags", "definition", "explanations",
    "interpretation", "unresolved"}``."""
    return json.dumps(plan_dict(request, context))


def system_words(request: GenerationInput, context: GenerationContext) -> set[str]:
    """Names of the systems, connections and target in this request: never filter values."""
    found = set(SYSTEM_WORDS)
    for d in context.sources:
        found |= {d.connection.lower(), d.connection_type.lower()}
    target = context.target
    if target is not None:
        found |= {target.connection.lower(), target.connection_type.lower()}
        found |= {target.table.lower(), target.schema.lower()} - {""}
    for spec in [*request.sources, *request.targets]:
        found |= {str(x).lower() for x in (spec.type, spec.database, spec.connection) if x}
    # the words of a connection's name ("the CRM" of a connection called crm-prod)
    connections = {d.connection for d in context.sources} | {
        str(spec.connection) for spec in [*request.sources, *request.targets] if spec.connection
    }
    if target is not None:
        connections.add(target.connection)
    known = {  # a word of the data is no system's, whatever a connection is called
        w.lower()
        for d in context.sources
        for c in d.columns
        for w in [d.table, c.name, *c.values, *re.split(r"[^A-Za-z]+", c.name)]
    }
    for name in connections:
        found |= {w for w in re.split(r"[^a-z]+", name.lower()) if len(w) >= 3} - known
    return found


def plan_dict(request: GenerationInput, context: GenerationContext) -> dict[str, Any]:
    if context.target is None or not context.sources:
        raise PlanningError("a source table and a target are needed")
    low = normalize(request.intent)
    constraints = request.constraints or {}
    hints = request.hints or {}
    p = Plan()
    understood = understand(request.intent, context.sources, ignore=system_words(request, context))
    main = understood.root
    joined: Joined = [(main, None), *understood.joins]
    outputs = [
        Out(o.sql, o.name, o.ref.column if o.ref else None) for o in intent_sql.outputs(understood)
    ]
    aggregated = bool(understood.aggregates)
    groups = outputs[: len(understood.groups)] if aggregated else []
    resolve = resolver(joined, outputs)
    target = context.target
    load = plan_load(low, constraints, main, resolve, outputs, groups, aggregated, target, p)
    if load.dedupe and load.keys and understood.one_per is None and not aggregated:
        key = next((o for o in outputs if o.name == load.keys[0]), None)
        order = cursor_column(None, main)
        if key is not None:
            from ai.generation.intent.understand import Out as KeyOut

            understood.one_per = KeyOut(key.expr, key.name)
            understood.one_order = (
                f"{main.dataset}.{words.ident(order.name, 'postgres')} DESC" if order else key.expr
            )
            understood.say(
                "dedupe",
                "deduplicate",
                f"Keeps one row per {key.name}"
                + (f": the latest by {order.name}" if order else ""),
                f"row_number() OVER (PARTITION BY {key.expr} ORDER BY {understood.one_order}) = 1",
            )
    style = hints.get("dwh_conventions")
    if style:
        if understood.columns is None and not aggregated:
            understood.columns = intent_sql.outputs(understood)[: len(main.columns)]
        for o in intent_sql.outputs(understood):
            o.name = words.convention(o.name, style)
    keys = [words.convention(k, style) if style else k for k in load.keys]
    sql = intent_sql.select_sql(understood)
    names = [o.name for o in intent_sql.outputs(understood)]

    name = words.safe_name(target.table, {d.dataset for d, _ in joined}, "out")
    sources: dict[str, Any] = {}
    for dataset, _ in joined:
        source: dict[str, Any] = {"connection": dataset.connection, "table": dataset.qualified}
        if dataset is main and load.cursor is not None:
            source.update(incremental=True, cursor=load.cursor.name)
            understood.say(
                "load",
                "incremental",
                f"Incremental: reads only rows whose {load.cursor.name} is past the last run's "
                "high-water mark",
                f"WHERE {load.cursor.name} > :last_{load.cursor.name}",
            )
        sources[dataset.dataset] = source
    for dataset in context.sources:  # tables an anti-join or a semi-join reads
        read = (f"FROM {dataset.dataset} ", f"JOIN {dataset.dataset} ")
        if dataset.dataset not in sources and any(r in sql for r in read):
            sources[dataset.dataset] = {
                "connection": dataset.connection,
                "table": dataset.qualified,
            }
    target_sink, keys = sink(target, constraints, load, keys, names, p)
    checks: list[dict[str, Any]] = []
    if keys and not aggregated:  # a group may be NULL (customers without a country)
        checks.append({"name": "keys_present", "type": "not_null", "columns": keys})
        checks.append({"name": "one_row_per_key", "type": "unique", "columns": keys})
    checks += quality_checks(low, [o for o in outputs if o.name in names])
    checks.append({"name": "rows_loaded", "type": "row_count", "min": 1, "severity": "warn"})
    understood.say(
        "load",
        load.mode,
        f"Loads into {target.qualified} with mode {load.mode}"
        + (f" on keys {', '.join(keys)}" if keys and load.mode != "replace" else ""),
        f"{load.mode} {target.qualified}",
    )
    p.tags.update({main.connection_type, target.connection_type, load.mode})
    orchestration: dict[str, Any] = {"retries": 3, "timeout_minutes": 60}
    if understood.schedule:
        orchestration["schedule"] = understood.schedule
    definition = {
        "sources": sources,
        "transformations": [{"name": name, "type": "sql", "sql": sql}],
        "sinks": {"target": target_sink},
        "quality_checks": checks,
        "orchestration": orchestration,
    }
    kind = "Incremental" if load.cursor else "Full"
    description = (
        f"{kind} {load.mode} of {', '.join(d.qualified for d, _ in joined)} from "
        f"{main.connection} into {target.qualified} on {target.connection}"
    )
    interpretation = [
        {"kind": "source", "words": main.table, "text": f"Reads {main.qualified}", "sql": ""},
        *(
            {
                "kind": "join",
                "words": d.table,
                "text": f"Joins {d.qualified} on {cond}",
                "sql": f"LEFT JOIN {d.dataset} ON {cond}",
            }
            for d, cond in understood.joins
        ),
        *(piece.as_dict() for piece in understood.pieces),
    ]
    for e in p.explanations:
        interpretation.append({"kind": "note", "words": "", "text": e["text"], "sql": ""})
    interpretation += [
        {"kind": "connection", "words": "", "text": text, "sql": ""} for text in request.chosen
    ]
    unresolved = [*understood.unresolved, *understood.ambiguous, *request.review]
    explanations = [
        {"file": "transform_sql", "line": 1, "text": i["text"]}
        for i in interpretation
        if i["kind"] not in ("note",)
    ] + p.explanations
    return {
        "description": description,
        "tags": sorted(p.tags),
        "definition": definition,
        "explanations": explanations,
        "interpretation": interpretation,
        "unresolved": unresolved,
    }
