"""The built-in planner: an intent and the introspected schemas → a pipeline, with no model.

Deterministic rules over the intent's words and the real column names: which tables (joined on
their ``<table>_id`` columns), which filters, aggregations, deduplication, incremental cursor
and load mode. It answers in the same JSON the LLM is asked for, so both go through one check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from connectors.registry import canonical_type
from core.generation import words
from core.generation.words import find_column, is_boolean, is_numeric, is_temporal, is_text
from workflows.generation_payloads import (
    Column,
    DatasetSchema,
    GenerationContext,
    GenerationInput,
    TargetSchema,
)

MODEL = "ductwork-rules-v1"

_CURSOR_NAMES = ("updated_at", "modified_at", "changed_at", "created_at", "event_time", "ts")
_COMPARE = {
    "greater than or equal to": ">=",
    "at least": ">=",
    "greater than": ">",
    "more than": ">",
    "larger than": ">",
    "above": ">",
    "over": ">",
    "exceeding": ">",
    "less than or equal to": "<=",
    "at most": "<=",
    "less than": "<",
    "fewer than": "<",
    "below": "<",
    "under": "<",
    ">=": ">=",
    "<=": "<=",
    ">": ">",
    "<": "<",
    "=": "=",
    "equal to": "=",
    "equals": "=",
    "is": "=",
}
_VALUE_COLUMNS = (
    "status",
    "state",
    "type",
    "kind",
    "category",
    "country",
    "city",
    "region",
    "currency",
    "channel",
    "segment",
    "tier",
)
_STATUS_WORDS = {
    "paid",
    "unpaid",
    "pending",
    "shipped",
    "completed",
    "cancelled",
    "canceled",
    "delivered",
    "refunded",
    "open",
    "closed",
    "failed",
    "approved",
    "rejected",
    "returned",
    "processing",
    "draft",
    "archived",
}
_AGGS = (
    (r"(?:total|sum of|sum)", "sum", "total_{}"),
    (r"(?:average|avg|mean)", "avg", "avg_{}"),
    (r"(?:maximum|max|highest|largest)", "max", "max_{}"),
    (r"(?:minimum|min|lowest|smallest)", "min", "min_{}"),
)
_MONEY = ("revenue", "sales", "spend", "spending", "income", "turnover", "value")
_MONEY_COLUMNS = ("amount", "total", "price", "revenue", "value", "cost")


class PlanningError(ValueError):
    """The intent cannot be turned into a pipeline by rules: why, for the 422."""


def q(name: str) -> str:
    return words.ident(name, "postgres")


@dataclass
class _Out:
    """One output column: the SQL expression and its name."""

    expr: str
    name: str
    column: Column | None = None  # the source column it is, when it is one


@dataclass
class _Plan:
    explanations: list[dict[str, Any]] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)

    def explain(self, file: str, text: str, line: int = 1) -> None:
        self.explanations.append({"file": file, "line": line, "text": text})


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
    p = _Plan()
    tables = _tables(low, context.sources)
    main = tables[0]
    joined = [(main, None)]
    for other in tables[1:]:
        joined.append((other, _join_condition(other, [t for t, _ in joined])))
    how = (
        "JOIN"
        if re.search(r"\binner join\b|\bthat have\b|\bwith matching\b|\bonly .* with\b", low)
        else "LEFT JOIN"
    )

    outputs = _columns(joined)
    by_expr = {o.expr: o for o in outputs}

    def resolve(word: str) -> _Out | None:
        for dataset, _ in joined:
            c = find_column(word, dataset.columns)
            if c is not None:
                return by_expr.get(f"{dataset.dataset}.{q(c.name)}") or _Out(
                    f"{dataset.dataset}.{q(c.name)}", c.name, c
                )
        return None

    filters = _filters(text, low, joined, resolve, p)

    # Aggregations and grouping.
    groups: list[_Out] = []
    aggs: list[_Out] = []
    date_col = _date_column(constraints.get("partition_by"), main, resolve)
    for pattern, fn, alias in _AGGS:
        for m in re.finditer(rf"\b{pattern}\s+(?:of\s+|the\s+)?(\w+)", low):
            target = _measure(m.group(1), resolve, outputs)
            if target is not None:
                name = m.group(1) if m.group(1) in _MONEY else alias.format(target.name)
                aggs.append(_Out(f"{fn}({target.expr})", name))
    for m in re.finditer(r"\b(?:count(?: of)?|number of|how many)\s+(\w+)", low):
        aggs.append(_Out("count(*)", f"{words.singular(m.group(1))}_count"))
    tables = {f for d, _ in joined for f in words.forms(d.table)}
    for word in _MONEY:
        if word in tables:
            continue
        if re.search(rf"\b{word}\b", low) and not any(a.name == word for a in aggs):
            target = _measure(word, resolve, outputs)
            if target is not None and (aggs or re.search(r"\b(per|by|daily|monthly)\b", low)):
                aggs.append(_Out(f"sum({target.expr})", word))
    if aggs:
        if re.search(r"\b(daily|per day|by day|each day|a day)\b", low) and date_col:
            groups.append(_Out(f"CAST({date_col.expr} AS DATE)", "day"))
        elif re.search(r"\b(monthly|per month|by month|each month)\b", low) and date_col:
            groups.append(_Out(f"CAST(date_trunc('month', {date_col.expr}) AS DATE)", "month"))
        grouping = re.sub(r"\btop\s+\d+\b.*?\bby\s+\w+", " ", low)
        for m in re.finditer(r"\b(?:per|by|for each|each|grouped by|group by)\s+(\w+)", grouping):
            if m.group(1) in ("day", "month", "run", "date"):
                continue
            g = resolve(m.group(1))
            if g is None and words.position(m.group(1), main.table) is None:
                g = _by_table(m.group(1), joined)
            if g is not None and all(x.expr != g.expr for x in groups):
                groups.append(_Out(g.expr, g.name, g.column))
        _dedupe_names(aggs, groups)
        p.tags.add("aggregation")
        p.explain(
            "transform_sql",
            "Aggregates "
            + ", ".join(f"{a.expr} as {a.name}" for a in aggs)
            + (f" per {', '.join(g.name for g in groups)}" if groups else ""),
        )

    # Projection: "only the a, b and c columns".
    if not aggs:
        picked = _projection(low, resolve)
        if picked:
            outputs = picked
            p.explain("transform_sql", "Keeps only " + ", ".join(o.name for o in outputs))

    # Load mode, keys, incremental, dedupe.
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
    if aggs:
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
    kind = canonical_type(context.target.connection_type) or "postgresql"
    cursor = None
    if incremental:
        cursor = _cursor(constraints.get("partition_by"), main)
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
    load, sink_dedupe = _fit_target(kind, load, dedupe and bool(keys), context.target, p)

    # The transformation SQL.
    style = hints.get("dwh_conventions")
    select_outputs = groups + aggs if aggs else outputs
    for o in select_outputs:
        o.name = words.convention(o.name, style) if style else o.name
    keys = [words.convention(k, style) if style else k for k in keys]
    sql = _sql(joined, how, select_outputs, filters, groups if aggs else [], bool(aggs))
    if dedupe and keys:
        key_expr = next((o.expr for o in outputs if o.name == keys[0]), keys[0])
        order = _cursor(None, main)
        order_expr = f"{main.dataset}.{q(order.name)} DESC, " if order else ""
        inner_cols = ", ".join(f"{o.expr} AS {q(o.name)}" for o in select_outputs)
        where = f" WHERE {' AND '.join(filters)}" if filters else ""
        sql = (
            f"SELECT {', '.join(q(o.name) for o in select_outputs)} FROM (SELECT {inner_cols}, "
            f"row_number() OVER (PARTITION BY {key_expr} ORDER BY {order_expr}{key_expr}) AS "
            f"dw_row_number FROM {_from(joined, how)}{where}) AS deduplicated "
            "WHERE dw_row_number = 1"
        )
        p.tags.add("deduplicated")
        p.explain("transform_sql", f"Keeps one row per {keys[0]} (the latest)")
    top = re.search(r"\btop\s+(\d+)\b.*?\bby\s+(\w+)", low)
    if top and not dedupe:
        col = next(
            (
                o
                for o in select_outputs
                if o.name.lower() in (top.group(2), f"total_{top.group(2)}")
            ),
            None,
        )
        col = col or next((o for o in select_outputs if top.group(2) in o.name.lower()), None)
        if col is not None:
            sql += f" ORDER BY {q(col.name)} DESC LIMIT {int(top.group(1))}"
            p.explain("transform_sql", f"Keeps the top {top.group(1)} rows by {col.name}")

    target = context.target
    name = _dataset_name(target.table, {d.dataset for d, _ in joined})
    sources: dict[str, Any] = {}
    for dataset, _ in joined:
        source: dict[str, Any] = {"connection": dataset.connection, "table": dataset.qualified}
        if dataset is main and cursor is not None:
            source.update(incremental=True, cursor=cursor.name)
            p.explain(
                "transform_sql",
                f"Incremental: reads only rows whose {cursor.name} is "
                "past the last run's high-water mark",
            )
        sources[dataset.dataset] = source
    sink: dict[str, Any] = {
        "connection": target.connection,
        "table": target.qualified,
        "mode": load,
    }
    if kind == "clickhouse":
        options, keys = _clickhouse_options(
            target, constraints, load, keys, [o.name for o in select_outputs], p
        )
        if options:
            sink["options"] = options
    if keys and load != "replace":
        sink["keys"] = keys
        if sink_dedupe and load == "append":
            sink["deduplicate"] = True
    checks: list[dict[str, Any]] = []
    if keys:
        checks.append({"name": "keys_present", "type": "not_null", "columns": keys})
        checks.append({"name": "one_row_per_key", "type": "unique", "columns": keys})
    checks += _validation_checks(low, select_outputs)
    p.explain(
        "pipeline_yaml",
        f"Loads into {target.qualified} with mode {load}"
        + (f" on keys {', '.join(keys)}" if keys and load != "replace" else ""),
    )
    p.tags.update({main.connection_type, target.connection_type, load})
    definition = {
        "sources": sources,
        "transformations": [{"name": name, "type": "sql", "sql": sql}],
        "sinks": {"target": sink},
        "quality_checks": checks,
        "orchestration": {"retries": 3, "timeout_minutes": 60},
    }
    kind = "Incremental" if cursor else "Full"
    description = (
        f"{kind} {load} of {', '.join(d.qualified for d, _ in joined)} from "
        f"{main.connection} into {target.qualified} on {target.connection}"
    )
    return {
        "description": description,
        "tags": sorted(p.tags),
        "definition": definition,
        "explanations": p.explanations,
    }


def _fit_target(
    kind: str, load: str, dedupe: bool, target: TargetSchema, p: _Plan
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
    p: _Plan,
) -> tuple[dict[str, Any], list[str]]:
    """Seed 000's engine/order_by/partition_by of a ClickHouse sink, fitted to the load mode;
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
    wanted = constraints.get("partition_by")
    if not partition and wanted:
        if str(wanted) in names:
            partition = str(wanted)
        else:
            p.explain(
                "ddl_sql",
                f"Not partitioned by {wanted}: it is not a column of the loaded data",
            )
    if partition:
        options["partition_by"] = partition
        p.explain("ddl_sql", f"Partitioned by {partition} (a date column: by month)")
    return options, keys


def _tables(low: str, candidates: list[DatasetSchema]) -> list[DatasetSchema]:
    # "per customer" groups, it does not choose the table the rows come from
    grouped = re.sub(r"\b(?:per|by|for each|each)\s+\w+", " ", low)
    mentioned = [(words.position(grouped, c.table), c) for c in candidates]
    if not any(pos is not None for pos, _ in mentioned):
        mentioned = [(words.position(low, c.table), c) for c in candidates]
    else:
        first = [(pos, c) for pos, c in mentioned if pos is not None]
        rest = [
            (10_000 + (words.position(low, c.table) or 0), c)
            for pos, c in mentioned
            if pos is None and words.position(low, c.table) is not None
        ]
        mentioned = first + rest
    found = sorted(((pos, c) for pos, c in mentioned if pos is not None), key=lambda x: x[0])
    if found:
        return [c for _, c in found]
    if len(candidates) == 1:
        return candidates
    names = ", ".join(sorted(c.qualified for c in candidates)[:20])
    raise PlanningError(f"the intent names none of the source tables ({names}): name the table")


def _join_condition(other: DatasetSchema, joined: list[DatasetSchema]) -> str:
    for left in joined:
        lcols = {c.name.lower(): c.name for c in left.columns}
        ocols = {c.name.lower(): c.name for c in other.columns}
        fk = f"{words.singular(other.table)}_id"
        if fk in lcols and "id" in ocols:
            return f"{left.dataset}.{q(lcols[fk])} = {other.dataset}.{q(ocols['id'])}"
        back = f"{words.singular(left.table)}_id"
        if back in ocols and "id" in lcols:
            return f"{other.dataset}.{q(ocols[back])} = {left.dataset}.{q(lcols['id'])}"
        shared = sorted(n for n in set(lcols) & set(ocols) if n.endswith("_id"))
        if shared:
            n = shared[0]
            return f"{left.dataset}.{q(lcols[n])} = {other.dataset}.{q(ocols[n])}"
    raise PlanningError(
        f"no column joins {other.qualified!r} to {', '.join(t.qualified for t in joined)} "
        f"(looked for {words.singular(other.table)}_id = id and shared *_id columns)"
    )


def _columns(joined: list[tuple[DatasetSchema, str | None]]) -> list[_Out]:
    out: list[_Out] = []
    taken: set[str] = set()
    for i, (dataset, condition) in enumerate(joined):
        for c in dataset.columns:
            expr = f"{dataset.dataset}.{q(c.name)}"
            if i > 0 and condition and expr in condition:
                continue  # the join key: the main table already has it
            name = c.name.lower()
            if name in taken:
                name = f"{words.singular(dataset.table)}_{name}"
            taken.add(name)
            out.append(_Out(expr, name, c))
    return out


def _measure(word: str, resolve, outputs: list[_Out]) -> _Out | None:
    found = resolve(word)
    if found is not None and found.column is not None and is_numeric(found.column):
        return found
    if word in _MONEY:
        for name in _MONEY_COLUMNS:
            for o in outputs:
                if o.column is not None and o.name.startswith(name) and is_numeric(o.column):
                    return o
    return None


def _by_table(word: str, joined) -> _Out | None:
    """``per customer``: the customer's id column."""
    for dataset, _ in joined:
        if words.singular(dataset.table) == words.singular(word):
            for c in dataset.columns:
                if c.name.lower() == "id":
                    return _Out(f"{dataset.dataset}.{q(c.name)}", f"{words.singular(word)}_id", c)
    main = joined[0][0]
    for c in main.columns:
        if c.name.lower() == f"{words.singular(word)}_id":
            return _Out(f"{main.dataset}.{q(c.name)}", c.name, c)
    return None


def _dedupe_names(*groups: list[_Out]) -> None:
    seen: set[str] = set()
    for group in groups:
        for o in group:
            base, n = o.name, 2
            while o.name in seen:
                o.name, n = f"{base}_{n}", n + 1
            seen.add(o.name)


def _date_column(partition_by: Any, main: DatasetSchema, resolve) -> _Out | None:
    if partition_by:
        found = resolve(str(partition_by))
        if found is not None:
            return found
    for name in ("created_at", "order_date", "sale_date", "event_time", "date", "day"):
        found = resolve(name)
        if found is not None and found.column is not None and is_temporal(found.column):
            return found
    for c in main.columns:
        if is_temporal(c):
            return _Out(f"{main.dataset}.{q(c.name)}", c.name, c)
    return None


def _cursor(partition_by: Any, main: DatasetSchema) -> Column | None:
    cols = {c.name.lower(): c for c in main.columns}
    if partition_by and str(partition_by).lower() in cols:
        return cols[str(partition_by).lower()]
    for name in _CURSOR_NAMES:
        if name in cols:
            return cols[name]
    for c in main.columns:
        if is_temporal(c):
            return c
    return cols.get("id")


def _key(low: str, main: DatasetSchema, resolve, outputs: list[_Out]) -> _Out | None:
    m = re.search(r"\b(?:on|by|per|of each|for each|key(?:ed)? (?:on|by)?)\s+(\w+)", low)
    named = re.search(
        r"\b(?:merge|upsert|dedup\w*|unique|one row per|latest version of each|keys?)\s+"
        r"(?:on\s+|by\s+|per\s+|the\s+)?(\w+)",
        low,
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
                break
    for name in ("id", f"{words.singular(main.table)}_id"):
        for o in outputs:
            if (
                o.column is not None
                and o.expr == f"{main.dataset}.{q(o.column.name)}"
                and (o.column.name.lower() == name)
            ):
                return o
    return None


def _filters(text: str, low: str, joined, resolve, p: _Plan) -> list[str]:
    filters: list[str] = []
    ops = "|".join(re.escape(k) for k in sorted(_COMPARE, key=len, reverse=True))
    for m in re.finditer(rf"\b(\w+)\s+(?:is\s+|of\s+)?({ops})\s+(-?\d+(?:\.\d+)?)\b", low):
        col = resolve(m.group(1))
        if col is not None and col.column is not None and is_numeric(col.column):
            filters.append(f"{col.expr} {_COMPARE[m.group(2)]} {m.group(3)}")
    for m in re.finditer(
        r"\b(?:(\w+)\s+)?(since|after|from|before|until)\s+(\d{4}-\d{2}-\d{2})\b", low
    ):
        col = resolve(m.group(1)) if m.group(1) else None
        if col is None or col.column is None or not is_temporal(col.column):
            col = _date_column(None, joined[0][0], resolve)
        if col is not None:
            op = "<" if m.group(2) in ("before", "until") else ">="
            filters.append(f"{col.expr} {op} DATE '{m.group(3)}'")
    for dataset, _ in joined:
        for c in dataset.columns:
            expr = f"{dataset.dataset}.{q(c.name)}"
            name = c.name.lower()
            if is_boolean(c):
                word = name.removeprefix("is_")
                if re.search(rf"\b(?:not |non-?|in){re.escape(word)}\b", low):
                    filters.append(f"NOT {expr}")
                elif re.search(
                    rf"\b(?:only|where|that are|which are|are)\s+(?:\w+\s+)?{re.escape(word)}\b"
                    rf"|\b{re.escape(word)}\s+{re.escape(dataset.table.lower())}",
                    low,
                ):
                    filters.append(f"{expr}")
            elif is_text(c) and name in _VALUE_COLUMNS:
                m = re.search(
                    rf"\b{re.escape(name)}\s+(?:is|=|equals)\s*'?([\w-]+)'?"
                    rf"|\b{re.escape(name)}\s+'([\w-]+)'"
                    rf"|\bwith {re.escape(name)}\s+'?([\w-]+)'?",
                    text,
                    re.I,
                )
                value = next((g for g in m.groups() if g), None) if m else None
                if value and value.lower() not in ("is", "in", "and", "of", "column", "the", "not"):
                    filters.append(f"{expr} = '{_literal(value)}'")
                    continue
                if name in ("country", "city", "region", "currency"):
                    m = re.search(r"\b(?:in|from)\s+([A-Z][A-Za-z]+|[A-Z]{2,3})\b", text)
                    if m and words.position(m.group(1).lower(), dataset.table) is None:
                        filters.append(f"{expr} = '{_literal(m.group(1))}'")
                        continue
                if name in ("status", "state"):
                    table = re.escape(words.singular(dataset.table))
                    m = re.search(rf"\b(\w+)\s+{table}", low)
                    if (
                        m
                        and m.group(1) in _STATUS_WORDS
                        and find_column(m.group(1), dataset.columns) is None
                    ):
                        filters.append(f"{expr} = '{_literal(m.group(1))}'")
            word = re.escape(name)
            if re.search(
                rf"\b{word}\s+is\s+not\s+null|\bnon-?null\s+{word}\b|\b(?:without|excluding|skip\w*|drop\w*)\s+(?:rows\s+)?(?:with(?:out)?\s+)?(?:an?\s+)?(?:null|missing|empty)\s+{word}\b|\bwith(?:out)?\s+(?:a\s+|an\s+)?missing\s+{word}\b",
                low,
            ):
                filters.append(f"{expr} IS NOT NULL")
    if filters:
        p.tags.add("filtered")
        p.explain("transform_sql", "Filters rows: " + " AND ".join(filters))
    return list(dict.fromkeys(filters))


def _literal(value: str) -> str:
    return value.replace("'", "''")


def _projection(low: str, resolve) -> list[_Out]:
    m = re.search(
        r"\b(?:only the|just the|only columns?|columns?|select|fields?)\s+"
        r"([\w ,]+?)(?:\s+columns?|\s+fields?)?(?:\s+(?:from|of|into|to|in)\b|[.;]|$)",
        low,
    )
    if not m:
        return []
    picked: list[_Out] = []
    for word in re.split(r"\s*,\s*|\s+and\s+|\s+", m.group(1)):
        if word:
            found = resolve(word)
            if found is not None and all(o.expr != found.expr for o in picked):
                picked.append(found)
    return picked if len(picked) >= 1 else []


def _validation_checks(low: str, outputs: list[_Out]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    if re.search(r"\bnegative\b", low):
        for o in outputs:
            if (
                o.column is not None
                and is_numeric(o.column)
                and (
                    re.search(rf"\bnegative\s+{re.escape(o.name)}", low)
                    or any(o.name.startswith(n) for n in _MONEY_COLUMNS)
                )
            ):
                checks.append(
                    {
                        "name": f"no_negative_{o.name}"[:40],
                        "type": "range",
                        "column": o.name,
                        "min": 0,
                    }
                )
    if re.search(r"\bnull values?\b|\bno nulls?\b|\bmissing values?\b", low):
        cols = [o.name for o in outputs if re.search(rf"\b{re.escape(o.name)}\b", low)]
        if cols:
            checks.append({"name": "no_nulls", "type": "not_null", "columns": cols})
    return checks


def _sql(joined, how, outputs: list[_Out], filters, groups, aggregate: bool) -> str:
    cols = ", ".join(
        o.expr if o.expr.endswith(f".{q(o.name)}") and not aggregate else f"{o.expr} AS {q(o.name)}"
        for o in outputs
    )
    sql = f"SELECT {cols} FROM {_from(joined, how)}"
    if filters:
        sql += " WHERE " + " AND ".join(filters)
    if groups:
        sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(groups)))
    return sql


def _from(joined, how) -> str:
    parts = [joined[0][0].dataset]
    for dataset, condition in joined[1:]:
        parts.append(f"{how} {dataset.dataset} ON {condition}")
    return " ".join(parts)


def _dataset_name(table: str, taken: set[str]) -> str:
    return words.safe_name(table, taken, "out")
