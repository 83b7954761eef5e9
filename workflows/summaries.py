"""What each step of a run does, in a line: the activity's summary in the Temporal Web UI."""

from __future__ import annotations

from typing import Any

from workflows.payloads import ExtractLoadStep, ExtractStep, LoadStep, QualityStep, TransformStep

LIMIT = 200  # the Web UI shows a line; the full query is in the activity's input


def summary(step: Any) -> str | None:
    if isinstance(step, ExtractLoadStep):
        load = step.load
        return _cut(
            f"copy {_short(step.extract.query)} into {load.target_table} ({load.mode}), "
            f"staged in {load.input_table}, in one transaction"
        )
    if isinstance(step, ExtractStep):
        text = f"extract {_short(step.query)} into {step.staging_table}"
        if step.partition is not None:
            part = step.partition
            text += f", {part.column} in [{part.lower or '-inf'}, {part.upper or '+inf'})"
        if step.cursor is not None:
            text += f", rows after the last {step.cursor.column} mark"
        return _cut(text)
    if isinstance(step, TransformStep):
        return _cut(f"transform into {step.output_table}: {_short(step.sql)}")
    if isinstance(step, QualityStep):
        names = ", ".join(f"{c.type} {c.name}" for c in step.checks)
        return _cut(f"{len(step.checks)} quality checks: {names}")
    if isinstance(step, LoadStep):
        keys = f" on {', '.join(step.keys)}" if step.keys else ""
        return _cut(f"load {step.input_table} into {step.target_table} ({step.mode}{keys})")
    return None


def _short(sql: str) -> str:
    return " ".join(sql.split())


def _cut(text: str) -> str:
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"
