"""Row conditions an intent states: the WHERE filters (comparisons, dates, flags, values,
non-null columns) and the quality checks (no negatives, no nulls)."""

from __future__ import annotations

import re
from typing import Any

from ai.generation import words
from ai.generation.measures import MONEY_COLUMNS, date_column
from ai.generation.planning import Out, Plan, q
from ai.generation.query import Joined, Resolve
from ai.generation.words import find_column, is_boolean, is_numeric, is_temporal, is_text

COMPARE = {
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
VALUE_COLUMNS = (
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
STATUS_WORDS = {
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


def where(text: str, low: str, joined: Joined, resolve: Resolve, p: Plan) -> list[str]:
    """The WHERE conditions, each once, in the order the intent states them."""
    filters: list[str] = []
    ops = "|".join(re.escape(k) for k in sorted(COMPARE, key=len, reverse=True))
    for m in re.finditer(rf"\b(\w+)\s+(?:is\s+|of\s+)?({ops})\s+(-?\d+(?:\.\d+)?)\b", low):
        col = resolve(m.group(1))
        if col is not None and col.column is not None and is_numeric(col.column):
            filters.append(f"{col.expr} {COMPARE[m.group(2)]} {m.group(3)}")
    for m in re.finditer(
        r"\b(?:(\w+)\s+)?(since|after|from|before|until)\s+(\d{4}-\d{2}-\d{2})\b", low
    ):
        col = resolve(m.group(1)) if m.group(1) else None
        if col is None or col.column is None or not is_temporal(col.column):
            col = date_column(None, joined[0][0], resolve)
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
            elif is_text(c) and name in VALUE_COLUMNS:
                found = re.search(
                    rf"\b{re.escape(name)}\s+(?:is|=|equals)\s*'?([\w-]+)'?"
                    rf"|\b{re.escape(name)}\s+'([\w-]+)'"
                    rf"|\bwith {re.escape(name)}\s+'?([\w-]+)'?",
                    text,
                    re.I,
                )
                value = next((g for g in found.groups() if g), None) if found else None
                if value and value.lower() not in ("is", "in", "and", "of", "column", "the", "not"):
                    filters.append(f"{expr} = '{_literal(value)}'")
                    continue
                if name in ("country", "city", "region", "currency"):
                    found = re.search(r"\b(?:in|from)\s+([A-Z][A-Za-z]+|[A-Z]{2,3})\b", text)
                    if found and words.position(found.group(1).lower(), dataset.table) is None:
                        filters.append(f"{expr} = '{_literal(found.group(1))}'")
                        continue
                if name in ("status", "state"):
                    table = re.escape(words.singular(dataset.table))
                    found = re.search(rf"\b(\w+)\s+{table}", low)
                    if (
                        found
                        and found.group(1) in STATUS_WORDS
                        and find_column(found.group(1), dataset.columns) is None
                    ):
                        filters.append(f"{expr} = '{_literal(found.group(1))}'")
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


def quality_checks(low: str, outputs: list[Out]) -> list[dict[str, Any]]:
    """Checks the intent asks of the loaded rows: no negative amounts, no nulls."""
    checks: list[dict[str, Any]] = []
    if re.search(r"\bnegative\b", low):
        for o in outputs:
            if (
                o.column is not None
                and is_numeric(o.column)
                and (
                    re.search(rf"\bnegative\s+{re.escape(o.name)}", low)
                    or any(o.name.startswith(n) for n in MONEY_COLUMNS)
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
