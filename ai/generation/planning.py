"""What the offline planner's steps share: its error, an output column, and the plan's notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ai.generation import words
from workflows.generation_payloads import Column


class PlanningError(ValueError):
    """The intent cannot be turned into a pipeline by rules: why, for the 422."""


def q(name: str) -> str:
    return words.ident(name, "postgres")


@dataclass
class Out:
    """One output column: the SQL expression and its name."""

    expr: str
    name: str
    column: Column | None = None  # the source column it is, when it is one


@dataclass
class Plan:
    """The explanations and tags the planner collects while it decides."""

    explanations: list[dict[str, Any]] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)

    def explain(self, file: str, text: str, line: int = 1) -> None:
        self.explanations.append({"file": file, "line": line, "text": text})
