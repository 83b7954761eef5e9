"""The versioned prompt of the natural-language query (ai/generation/prompts/nl_query_v1.md)
and the parsing of its reply. Read once at import: the workflow builds messages without I/O."""

from __future__ import annotations

import json
import re
from importlib import resources

from workflows.data_payloads import SchemaSnapshot

PROMPT_VERSION = "v1"


def _load(name: str) -> str:
    path = resources.files("ai.generation") / "prompts" / f"{name}_{PROMPT_VERSION}.md"
    return path.read_text()


SYSTEM = _load("nl_query")
REPAIR = _load("nl_query_repair")


def messages(question: str, schema: SchemaSnapshot) -> list[dict[str, str]]:
    tables = "\n".join(
        f"- {t.name}: " + ", ".join(f"{c[0]} {c[1]}" for c in t.columns) for t in schema.tables
    )
    system = SYSTEM.replace("{dialect}", schema.dialect).replace("{tables}", tables)
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


def repair(errors: list[str]) -> dict[str, str]:
    return {
        "role": "user",
        "content": REPAIR.replace("{errors}", "\n".join(f"- {e}" for e in errors)),
    }


def parse_reply(text: str) -> tuple[str, str]:
    """(sql, explanation) from a reply; ValueError when it is not the JSON asked for."""
    stripped = text.strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", stripped, re.S)
    if fenced:
        stripped = fenced.group(1)
    start, end = stripped.find("{"), stripped.rfind("}")
    if start < 0 or end <= start:
        raise ValueError('the reply is not a JSON object {"sql": ..., "explanation": ...}')
    try:
        value = json.loads(stripped[start : end + 1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON: {exc}") from None
    sql = value.get("sql") if isinstance(value, dict) else None
    if not isinstance(sql, str) or not sql.strip():
        raise ValueError('the reply has no "sql" string')
    explanation = value.get("explanation")
    return sql, explanation if isinstance(explanation, str) else ""
