"""How the offline planner's rows load: the load mode, keys and incremental cursor an intent
asks for, fitted to what the target type can do, and the sink of the definition."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ai.generation import words
from ai.generation.planning import Out, Plan, PlanningError, q
from ai.generation.resolve import Resolve
from ai.generation.words import is_temporal
from connectors.registry import canonical_type
from workflows.generation_payloads import Column, DatasetSchema, TargetSchema

CURSOR_NAMES = ("updated_at", "modified_at", "changed_at", "created_at", "event_time", "ts")


@dataclass
class Load:
    mode: str  # append, replace or merge
    keys: list[str]
    cursor: Column | None  # the main table's high-water mark column, when incremental
    dedupe: bool  # keep one row per key in the transformation
    sink_dedupe: bool  # the sink also drops rows whose keys earlier runs loaded
    kind: str  # the target's canonical connection type


def plan_load(
    low: str,
    constraints: dict[str, Any],
    main: DatasetSchema,
    resolve: Resolve,
    outputs: list[Out],
    groups: list[Out],
    aggregated: bool,
    target: TargetSchema,
    p: Plan,
) -> Load:
    """The load the intent and the constraints ask for, as the target can do it."""
    load = str(constraints.get("load") or "").lower()
    if not load:
        if re.search(r"\b(merge|upsert|update existing|insert or update)\b", low):
            load = "merge"
        elif re.search(r"\b(append|add new|insert new)\b", low):
            load = "append"
        elif re.search(r"\b(replace|overwrite|full refresh|snapshot|truncate and load)\b", low):
            load = "replace"
    incremental = bool(constraints.get("incremental")) or bool(
        re.search(r"\bincremental\w*|\bnew rows\b|\bonly new\b|\bsince the last run\b", low)
    )
    dedupe = bool(constraints.get("deduplicate")) or bool(
        re.search(
            r"\bdedup\w*|\bde-dup\w*|\bduplicates?\b|\bdistinct\b|\blatest version\b"
            r"|\bone row per\b",
            low,
        )
    )
    keys: list[str] = []
    if aggregated:
        keys = [g.name for g in groups]
        if incremental:
            incremental = False
            p.explain(
                "pipeline_yaml",
                "Aggregates are recomputed in full each run, so the "
                "source is read whole rather than incrementally",
            )
        dedupe = False
    else:
        key = _key(low, main, resolve, outputs)
        if key is not None:
            keys = [key.name]
    kind = canonical_type(target.connection_type) or "postgresql"
    cursor = None
    if incremental:
        cursor = cursor_column(constraints.get("partition_by"), main)
        if cursor is None:
            raise PlanningError(
                f"incremental load asked, but table {main.qualified!r} has no date, timestamp "
                "or numeric id column to track"
            )
        p.tags.add("incremental")
    if load not in ("append", "replace", "merge"):
        merge = keys and kind != "files"  # files are never merged into
        load = ("merge" if merge else "append") if incremental else "replace"
    if incremental and load == "replace":
        load = "merge" if keys and kind != "files" else "append"
    if load == "merge" and not keys:
        raise PlanningError(
            "a merge load needs a key column, and none was found: name it ('merge on id')"
        )
    load, sink_dedupe = _fit_target(kind, load, dedupe and bool(keys), target, p)
    return Load(load, keys, cursor, dedupe, sink_dedupe, kind)


def sink(
    target: TargetSchema,
    constraints: dict[str, Any],
    load: Load,
    keys: list[str],
    names: list[str],
    p: Plan,
) -> tuple[dict[str, Any], list[str]]:
    """The definition's sink and its keys (a ClickHouse merge may add its ORDER BY to them)."""
    sink: dict[str, Any] = {
        "connection": target.connection,
        "table": target.qualified,
        "mode": load.mode,
    }
    if load.kind == "clickhouse":
        options, keys = _clickhouse_options(target, constraints, load.mode, keys, names, p)
        if options:
            sink["options"] = options
    if keys and load.mode != "replace":
        sink["keys"] = keys
        if load.sink_dedupe and load.mode == "append":
            sink["deduplicate"] = True
    return sink, keys


def cursor_column(partition_by: Any, main: DatasetSchema) -> Column | None:
    """The column an incremental read tracks: the partition column, a usual name, a date, id."""
    cols = {c.name.lower(): c for c in main.columns}
    if partition_by and str(partition_by).lower() in cols:
        return cols[str(partition_by).lower()]
    for name in CURSOR_NAMES:
        if name in cols:
            return cols[name]
    for c in main.columns:
        if is_temporal(c):
            return c
    return cols.get("id")


def _key(low: str, main: DatasetSchema, resolve: Resolve, outputs: list[Out]) -> Out | None:
    named = re.search(
        r"\b(?:merge|upsert|dedup\w*|unique|one row per|latest version of each|keys?|keyed)\s+"
        r"(?:on\s+|by\s+|per\s+|the\s+)?(\w+)",
        low,
    )
    # "merge customers by email": a key only where the intent speaks of keys or merging;
    # "sorted by total", "for each order item" name no key (a unique check would fail the run)
    m = (
        re.search(r"\b(?:on|by|per|of each|for each|key(?:ed)? (?:on|by)?)\s+(\w+)", low)
        if named
        else None
    )
    for match in (named, m):
        if match:
            found = resolve(match.group(1))
            if found is not None and any(o.expr == found.expr for o in outputs):
                return next(o for o in outputs if o.expr == found.expr)
            if (
                match.group(1) in words.forms(main.table)
                or words.singular(match.group(1)) == "record"
            ):
                continue
    # A key only when the schema says so: the table's declared primary key, or (where the
    # source declares none) a NOT NULL id column.
    declared = [k.lower() for k in main.primary_key]
    for name in ("id", f"{words.singular(main.table)}_id"):
        column = next((c for c in main.columns if c.name.lower() == name), None)
        if declared and (name not in declared or len(declared) != 1):
            continue
        if not declared and (column is None or column.nullable):
            continue
        for o in outputs:
            if (
                o.column is not None
                and o.expr == f"{main.dataset}.{q(o.column.name)}"
                and (o.column.name.lower() == name)
            ):
                return o
    return None


def _fit_target(
    kind: str, load: str, dedupe: bool, target: TargetSchema, p: Plan
) -> tuple[str, bool]:
    """The load mode and sink deduplication the target type can do (connectors/registry.py
    ``target_problem``): files neither merge nor deduplicate against earlier parts, ClickHouse
    deduplicates by merging into a ReplacingMergeTree."""
    if kind == "files":
        if load == "merge":
            raise PlanningError(
                "files cannot be merged into: ask to append (a new part file per run) or "
                "to replace (the run's part file only)"
            )
        if dedupe and load == "append":
            p.explain(
                "pipeline_yaml",
                "Files cannot be deduplicated against the parts of earlier runs: duplicates "
                "are removed within each run only",
            )
        return load, False
    if kind == "clickhouse" and dedupe and load == "append":
        engine = str(target.options.get("engine") or "")
        if engine and "Replacing" not in engine:
            p.explain(
                "pipeline_yaml",
                f"ClickHouse deduplicates by merging, which engine {engine} cannot: duplicates "
                "are removed within each run only",
            )
            return load, False
        p.explain(
            "pipeline_yaml",
            "ClickHouse deduplicates by merging: rows load into a ReplacingMergeTree on the "
            "keys (read it with FINAL for one row per key)",
        )
        return "merge", False
    return load, dedupe


def _clickhouse_options(
    target: TargetSchema,
    constraints: dict[str, Any],
    load: str,
    keys: list[str],
    names: list[str],
    p: Plan,
) -> tuple[dict[str, Any], list[str]]:
    """The AI-ETL pipelines API's engine/order_by/partition_by of a ClickHouse sink, fitted to the
    load mode;
    the keys (a merge replaces rows with an equal ORDER BY, so they are one list)."""
    options: dict[str, Any] = {}
    order = target.options.get("order_by") or []
    order = [order] if isinstance(order, str) else [str(o) for o in order]
    missing = [c for c in order if c not in names]
    if missing:
        raise PlanningError(
            f"order_by column(s) {missing} are not columns of the loaded data ({', '.join(names)})"
        )
    engine = str(target.options.get("engine") or "").removesuffix("()")
    if load == "merge":
        if "Replacing" not in engine:
            wanted = ("Replicated" if engine.startswith("Replicated") else "") + (
                "ReplacingMergeTree"
            )
            if engine:
                p.explain("ddl_sql", f"A merge needs {wanted}, not {engine}: the engine is that")
            engine = wanted
        if order and order != keys:
            keys = order + [k for k in keys if k not in order]
            p.explain(
                "ddl_sql",
                f"ReplacingMergeTree replaces rows with an equal ORDER BY: the keys are "
                f"{', '.join(keys)}",
            )
        order = list(keys)
    elif not order and keys:
        order = list(keys)
    if engine:
        options["engine"] = engine
    if order:
        options["order_by"] = order
    partition = target.options.get("partition_by")
    asked = constraints.get("partition_by")
    if not partition and asked:
        if str(asked) in names:
            partition = str(asked)
        else:
            p.explain(
                "ddl_sql",
                f"Not partitioned by {asked}: it is not a column of the loaded data",
            )
    if partition:
        options["partition_by"] = partition
        p.explain("ddl_sql", f"Partitioned by {partition} (a date column: by month)")
    return options, keys
