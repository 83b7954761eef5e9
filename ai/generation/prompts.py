"""Versioned prompt files (ai/generation/prompts/*_v<N>.md) and the messages built from them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from workflows.generation_payloads import (
    Column,
    DatasetSchema,
    GenerationContext,
    GenerationInput,
)

PROMPT_VERSION = "v2"  # v2: every target type (DuckDB, files, ClickHouse)


@cache
def load(name: str, version: str = PROMPT_VERSION) -> str:
    return (resources.files("ai.generation") / "prompts" / f"{name}_{version}.md").read_text()


def initial_messages(request: GenerationInput, context: GenerationContext) -> list[dict[str, str]]:
    target = context.target
    sources = "\n".join(_dataset_line(d) for d in context.sources)
    previous = ""
    if request.previous_definition:
        previous = "\nThe current definition, to modify as the intent asks:\n" + json.dumps(
            request.previous_definition, indent=1
        )
    user = load("request").format(
        intent=request.intent,
        constraints=json.dumps(request.constraints or {}),
        hints=json.dumps(request.hints or {}),
        sources=sources,
        target_connection=target.connection if target else "?",
        target_table=target.qualified if target else "?",
        target_type=target.connection_type if target else "?",
        target_options=json.dumps(target.options if target else {}),
        previous=previous,
    )
    return [{"role": "system", "content": load("generate")}, {"role": "user", "content": user}]


def _dataset_line(d: DatasetSchema) -> str:
    """One source for the prompt: its columns, sampled values, primary and foreign keys."""

    def column(c: Column) -> str:
        text = f"{c.name} {c.type}{'' if c.nullable else ' not null'}"
        if c.values:
            text += " (values: " + ", ".join(repr(v) for v in c.values[:20]) + ")"
        return text

    line = f"- {d.dataset}: connection {d.connection}, table {d.qualified}, columns " + ", ".join(
        column(c) for c in d.columns
    )
    if d.primary_key:
        line += f"; primary key ({', '.join(d.primary_key)})"
    for fk in d.foreign_keys:
        line += f"; {fk[0]} references {fk[1]}.{fk[2]}"
    return line


def repair_message(errors: list[str], template: str) -> dict[str, str]:
    return {
        "role": "user",
        "content": template.replace("{errors}", "\n".join(f"- {e}" for e in errors)),
    }
