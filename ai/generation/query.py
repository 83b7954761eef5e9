"""The transformation SQL of the offline planner: which source tables, joined on their
``<table>_id`` columns, which output columns, and the SELECT over them."""

from __future__ import annotations

import re
from collections.abc import Callable

from ai.generation import words
from ai.generation.planning import Out, Plan, PlanningError, q
from workflows.generation_payloads import DatasetSchema

Joined = list[tuple[DatasetSchema, str | None]]  # each table and its join condition
Resolve = Callable[[str], Out | None]


def join(low: str, candidates: list[DatasetSchema]) -> tuple[Joined, str]:
    """The tables the intent reads, the first the main one, and the join to use."""
    tables = _tables(low, candidates)
    joined: Joined = [(tables[0], None)]
    for other in tables[1:]:
        joined.append((other, _join_condition(other, [t for t, _ in joined])))
    how = (
        "JOIN"
        if re.search(r"\binner join\b|\bthat have\b|\bwith matching\b|\bonly .* with\b", low)
        else "LEFT JOIN"
    )
    return joined, how


def columns(joined: Joined) -> list[Out]:
    out: list[Out] = []
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
            out.append(Out(expr, name, c))
    return out


def resolver(joined: Joined, outputs: list[Out]) -> Resolve:
    """The output column a word of the intent names, in the first table that has it."""
    by_expr = {o.expr: o for o in outputs}

    def resolve(word: str) -> Out | None:
        for dataset, _ in joined:
            c = words.find_column(word, dataset.columns)
            if c is not None:
                return by_expr.get(f"{dataset.dataset}.{q(c.name)}") or Out(
                    f"{dataset.dataset}.{q(c.name)}", c.name, c
                )
        return None

    return resolve


def projection(low: str, resolve: Resolve) -> list[Out]:
    """The columns of "only the a, b and c columns"; empty when none are named."""
    m = re.search(
        r"\b(?:only the|just the|only columns?|columns?|select|fields?)\s+"
        r"([\w ,]+?)(?:\s+columns?|\s+fields?)?(?:\s+(?:from|of|into|to|in)\b|[.;]|$)",
        low,
    )
    if not m:
        return []
    picked: list[Out] = []
    for word in re.split(r"\s*,\s*|\s+and\s+|\s+", m.group(1)):
        if word:
            found = resolve(word)
            if found is not None and all(o.expr != found.expr for o in picked):
                picked.append(found)
    return picked if len(picked) >= 1 else []


def select(
    joined: Joined,
    how: str,
    outputs: list[Out],
    filters: list[str],
    groups: list[Out],
    aggregate: bool,
) -> str:
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


def one_row_per_key(
    joined: Joined,
    how: str,
    outputs: list[Out],
    select_outputs: list[Out],
    filters: list[str],
    key: str,
    order_by: str | None,
    p: Plan,
) -> str:
    """The SELECT keeping one row per ``key``: the latest by ``order_by`` when there is one."""
    main = joined[0][0]
    key_expr = next((o.expr for o in outputs if o.name == key), key)
    order_expr = f"{main.dataset}.{q(order_by)} DESC, " if order_by else ""
    inner_cols = ", ".join(f"{o.expr} AS {q(o.name)}" for o in select_outputs)
    where = f" WHERE {' AND '.join(filters)}" if filters else ""
    sql = (
        f"SELECT {', '.join(q(o.name) for o in select_outputs)} FROM (SELECT {inner_cols}, "
        f"row_number() OVER (PARTITION BY {key_expr} ORDER BY {order_expr}{key_expr}) AS "
        f"dw_row_number FROM {_from(joined, how)}{where}) AS deduplicated "
        "WHERE dw_row_number = 1"
    )
    p.tags.add("deduplicated")
    p.explain("transform_sql", f"Keeps one row per {key} (the latest)")
    return sql


def top(low: str, sql: str, select_outputs: list[Out], p: Plan) -> str:
    """``sql`` limited to "the top N … by X" when the intent asks for it."""
    m = re.search(r"\btop\s+(\d+)\b.*?\bby\s+(\w+)", low)
    if not m:
        return sql
    col = next(
        (o for o in select_outputs if o.name.lower() in (m.group(2), f"total_{m.group(2)}")),
        None,
    )
    col = col or next((o for o in select_outputs if m.group(2) in o.name.lower()), None)
    if col is not None:
        sql += f" ORDER BY {q(col.name)} DESC LIMIT {int(m.group(1))}"
        p.explain("transform_sql", f"Keeps the top {m.group(1)} rows by {col.name}")
    return sql


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
        mentioned = [*first, *rest]
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


def _from(joined: Joined, how: str) -> str:
    parts = [joined[0][0].dataset]
    for dataset, condition in joined[1:]:
        parts.append(f"{how} {dataset.dataset} ON {condition}")
    return " ".join(parts)
