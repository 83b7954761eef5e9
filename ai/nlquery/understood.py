"""A question through the same understanding of intents as pipeline generation
(ai/generation/intent): used when it places every word of the question."""

from __future__ import annotations

import re

import sqlglot
from sqlglot.errors import SqlglotError

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from ai.generation.planning import PlanningError
from workflows.data_payloads import SchemaSnapshot, Translation
from workflows.generation_payloads import Column, DatasetSchema

# Words of a question that ask rather than describe.
QUESTION_WORDS = {"show", "me", "what", "which", "how", "are", "is", "give", "list", "tell", "us"}


def translate(question: str, schema: SchemaSnapshot) -> Translation | None:
    """The SELECT the question asks for, or None when any part of it is not understood."""
    datasets = []
    for t in schema.tables:
        name = t.name.split(".")[-1]
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            return None
        datasets.append(
            DatasetSchema(
                dataset=name,
                connection="source",
                connection_type=schema.connection_type,
                dialect=schema.dialect,
                schema=t.name.rsplit(".", 1)[0] if "." in t.name else None,
                table=name,
                columns=[Column(c[0], c[1]) for c in t.columns],
            )
        )
    try:
        query = understand(question, datasets, ignore=QUESTION_WORDS)
    except PlanningError:
        return None
    if query.unresolved or query.ambiguous:
        return None
    select = intent_sql.select_sql(query)
    qualified = {d.dataset: d.qualified for d in datasets}
    for name, full in qualified.items():
        if full != name:
            select = re.sub(rf"\b(FROM|JOIN) {name}\b", rf"\1 {full} AS {name}", select)
    try:
        text = sqlglot.transpile(select, read="postgres", write=schema.dialect or "postgres")[0]
    except SqlglotError:
        return None
    explanation = "; ".join(p.text for p in query.pieces) or f"Reads {query.root.table}"
    return Translation(text, explanation)
