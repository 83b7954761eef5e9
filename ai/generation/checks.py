"""Quality checks an intent asks of the loaded rows: no negative amounts, no nulls."""

from __future__ import annotations

import re
from typing import Any

from ai.generation.planning import Out
from ai.generation.words import is_numeric

MONEY_COLUMNS = ("amount", "total", "price", "revenue", "value", "cost")


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
