"""The output column a word names, for the load planning (keys, cursor): in the first of the
query's tables that has it."""

from __future__ import annotations

from collections.abc import Callable

from ai.generation import words
from ai.generation.planning import Out, q
from workflows.generation_payloads import DatasetSchema

Joined = list[tuple[DatasetSchema, str | None]]  # each table and its join condition
Resolve = Callable[[str], Out | None]


def resolver(joined: Joined, outputs: list[Out]) -> Resolve:
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
