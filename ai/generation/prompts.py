"""Versioned prompt files (ai/generation/prompts/*_v<N>.md) and the messages built from them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from workflows.generation_payloads import GenerationContext, GenerationInput

PROMPT_VERSION = "v2"  # v2: every target type (DuckDB, files, ClickHouse)


@cache
def load(name: str, version: str = PROMPT_VERSION) -> str:
    return (resources.files("ai.generation") / "prompts" / f"{name}_{version}.md").read_text()


def initial_messages(request: GenerationInput, context: GenerationContext) -> list[dict[str, str]]:
    target = context.target
    sources = "\n".join(
        f"- {d.dataset}: connection {d.connection}, table {d.qualified}, columns "
        + ", ".join(f"{c.name} {c.type}{'' if c.nullable else ' not null'}" for c in d.columns)
        for d in context.sources
    )
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


def repair_message(errors: list[str], template: str) -> dict[str, str]:
    return {
        "role": "user",
        "content": template.replace("{errors}", "\n".join(f"- {e}" for e in errors)),
    }
