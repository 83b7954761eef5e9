"""Aggregations an intent asks for: totals, averages, counts and money words, and what they
are grouped by (a day, a month, a column or a joined table's id)."""

from __future__ import annotations

import re
from typing import Any

from ai.generation import words
from ai.generation.planning import Out, Plan, q
from ai.generation.query import Joined, Resolve
from workflows.generation_payloads import DatasetSchema

AGGS = (
    (r"(?:total|sum of|sum)", "sum", "total_{}"),
    (r"(?:average|avg|mean)", "avg", "avg_{}"),
    (r"(?:maximum|max|highest|largest)", "max", "max_{}"),
    (r"(?:minimum|min|lowest|smallest)", "min", "min_{}"),
)
MONEY = ("revenue", "sales", "spend", "spending", "income", "turnover", "value")
MONEY_COLUMNS = ("amount", "total", "price", "revenue", "value", "cost")


def aggregations(
    low: str,
    joined: Joined,
    resolve: Resolve,
    outputs: list[Out],
    partition_by: Any,
    p: Plan,
) -> tuple[list[Out], list[Out]]:
    """The group-by columns and the aggregates; both empty when nothing is aggregated."""
    main = joined[0][0]
    groups: list[Out] = []
    aggs: list[Out] = []
    date_col = date_column(partition_by, main, resolve)
    for pattern, fn, alias in AGGS:
        for m in re.finditer(rf"\b{pattern}\s+(?:of\s+|the\s+)?(\w+)", low):
            target = _measure(m.group(1), resolve, outputs)
            if target is not None:
                name = m.group(1) if m.group(1) in MONEY else alias.format(target.name)
                aggs.append(Out(f"{fn}({target.expr})", name))
    for m in re.finditer(r"\b(?:count(?: of)?|number of|how many)\s+(\w+)", low):
        aggs.append(Out("count(*)", f"{words.singular(m.group(1))}_count"))
    tables = {f for d, _ in joined for f in words.forms(d.table)}
    for word in MONEY:
        if word in tables:
            continue
        if re.search(rf"\b{word}\b", low) and not any(a.name == word for a in aggs):
            target = _measure(word, resolve, outputs)
            if target is not None and (aggs or re.search(r"\b(per|by|daily|monthly)\b", low)):
                aggs.append(Out(f"sum({target.expr})", word))
    if not aggs:
        return groups, aggs
    if re.search(r"\b(daily|per day|by day|each day|a day)\b", low) and date_col:
        groups.append(Out(f"CAST({date_col.expr} AS DATE)", "day"))
    elif re.search(r"\b(monthly|per month|by month|each month)\b", low) and date_col:
        groups.append(Out(f"CAST(date_trunc('month', {date_col.expr}) AS DATE)", "month"))
    grouping = re.sub(r"\btop\s+\d+\b.*?\bby\s+\w+", " ", low)
    for m in re.finditer(r"\b(?:per|by|for each|each|grouped by|group by)\s+(\w+)", grouping):
        if m.group(1) in ("day", "month", "run", "date"):
            continue
        g = resolve(m.group(1))
        if g is None and words.position(m.group(1), main.table) is None:
            g = _by_table(m.group(1), joined)
        if g is not None and all(x.expr != g.expr for x in groups):
            groups.append(Out(g.expr, g.name, g.column))
    _dedupe_names(aggs, groups)
    p.tags.add("aggregation")
    p.explain(
        "transform_sql",
        "Aggregates "
        + ", ".join(f"{a.expr} as {a.name}" for a in aggs)
        + (f" per {', '.join(g.name for g in groups)}" if groups else ""),
    )
    return groups, aggs


def date_column(partition_by: Any, main: DatasetSchema, resolve: Resolve) -> Out | None:
    """The date a day or month is taken from: the partition column, a usual name, or the first."""
    if partition_by:
        found = resolve(str(partition_by))
        if found is not None:
            return found
    for name in ("created_at", "order_date", "sale_date", "event_time", "date", "day"):
        found = resolve(name)
        if found is not None and found.column is not None and words.is_temporal(found.column):
            return found
    for c in main.columns:
        if words.is_temporal(c):
            return Out(f"{main.dataset}.{q(c.name)}", c.name, c)
    return None


def _measure(word: str, resolve: Resolve, outputs: list[Out]) -> Out | None:
    found = resolve(word)
    if found is not None and found.column is not None and words.is_numeric(found.column):
        return found
    if word in MONEY:
        for name in MONEY_COLUMNS:
            for o in outputs:
                if o.column is not None and o.name.startswith(name) and words.is_numeric(o.column):
                    return o
    return None


def _by_table(word: str, joined: Joined) -> Out | None:
    """``per customer``: the customer's id column."""
    for dataset, _ in joined:
        if words.singular(dataset.table) == words.singular(word):
            for c in dataset.columns:
                if c.name.lower() == "id":
                    return Out(f"{dataset.dataset}.{q(c.name)}", f"{words.singular(word)}_id", c)
    main = joined[0][0]
    for c in main.columns:
        if c.name.lower() == f"{words.singular(word)}_id":
            return Out(f"{main.dataset}.{q(c.name)}", c.name, c)
    return None


def _dedupe_names(*groups: list[Out]) -> None:
    seen: set[str] = set()
    for group in groups:
        for o in group:
            base, n = o.name, 2
            while o.name in seen:
                o.name, n = f"{base}_{n}", n + 1
            seen.add(o.name)
