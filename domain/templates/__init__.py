"""Pipeline templates: one YAML file per template under ``domain/templates/<industry>/``, with the
SQL that generates its sample data next to it (``<name>.sample.sql``).

A template's definition holds ``${PARAMETER}`` placeholders. A string that is exactly one
placeholder takes the parameter's value as is (so numbers stay numbers); placeholders inside a
longer string are replaced by the value's text. ``customizations`` then set values by dotted
path (``sources.payment_gateway.partitions``); a list is indexed by position or by the ``name``
of its item (``transformations.daily_sales.sql``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from domain.definition import PipelineDefinition

ROOT = Path(__file__).parent
NAMED_SECTIONS = ("sources", "sinks")  # their keys are names the template gives
_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


class TemplateError(ValueError):
    """A problem with the parameters or customizations given to a template."""

    def __init__(self, message: str, loc: list[str | int]) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True)
class Parameter:
    name: str
    required: bool = True
    description: str = ""
    default: Any = None


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    industry: str
    version: str
    description: str
    compliance: list[str]
    tags: list[str]
    parameters: list[Parameter]
    definition: dict[str, Any]
    sample_tables: list[str] = field(default_factory=list)

    @property
    def sample_sql_path(self) -> Path:
        return ROOT / f"{self.id}.sample.sql"

    def sample_sql(self, schema: str | None = None) -> str:
        """SQL (PostgreSQL) that creates and fills the sample source tables in ``schema``."""
        default = next((p.default for p in self.parameters if p.name == "SOURCE_SCHEMA"), None)
        target = schema or default
        if target is None:
            raise ValueError(f"template {self.id!r} has no default schema: give one")
        return self.sample_sql_path.read_text().replace("${SOURCE_SCHEMA}", target)

    def pipeline_tags(self) -> list[str]:
        return [*self.tags, *(f"compliance:{c.lower()}" for c in self.compliance)]

    def render(
        self, values: dict[str, Any], customizations: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The definition with parameters filled in and customizations applied."""
        known = {p.name for p in self.parameters}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TemplateError(
                f"unknown parameter(s) {', '.join(unknown)}; this template takes "
                f"{', '.join(sorted(known))}",
                ["body", "parameters", unknown[0]],
            )
        filled: dict[str, Any] = {}
        for p in self.parameters:
            if p.name in values and values[p.name] is not None:
                filled[p.name] = values[p.name]
            elif p.default is not None:
                filled[p.name] = p.default
            elif p.required:
                raise TemplateError(
                    f"parameter {p.name} is required: {p.description}".rstrip(": "),
                    ["body", "parameters", p.name],
                )
        definition = _substitute(self.definition, filled)
        placed = {
            path: _set_path(definition, path, value)
            for path, value in (customizations or {}).items()
        }
        _known_fields(definition, placed)
        return definition


def _substitute(node: Any, values: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        return {k: _substitute(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, values) for v in node]
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        if whole and whole[1] in values:
            return values[whole[1]]
        return _PLACEHOLDER.sub(lambda m: str(values.get(m[1], m[0])), node)
    return node


def _set_path(definition: dict[str, Any], path: str, value: Any) -> tuple[str | int, ...]:
    """Set ``value`` at the dotted ``path`` (a source or sink must exist; other missing objects
    are made, and checked by ``_known_fields``). Returns the
    path as positions (a list item named by its ``name`` becomes its index)."""
    loc: list[str | int] = ["body", "customizations", path]
    parts = path.split(".")
    if parts and parts[0] == "definition":
        parts = parts[1:]
    if not parts or not all(parts):
        raise TemplateError(f"customization path {path!r} is empty or has an empty segment", loc)
    node: Any = definition
    placed: list[str | int] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[:i]) or "the definition"
        if isinstance(node, list):
            index = _list_index(node, part)
            if index is None:
                raise TemplateError(
                    f"customization {path!r}: {where} has no item {part!r} "
                    "(use a position or an item's name)",
                    loc,
                )
            placed.append(index)
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            placed.append(part)
            if last:
                node[part] = value
            elif part not in node and i == 1 and parts[0] in NAMED_SECTIONS:
                known = ", ".join(sorted(map(str, node))) or "nothing"
                raise TemplateError(
                    f"customization {path!r}: {where} has no {part!r} (it has: {known})", loc
                )
            else:
                node = node.setdefault(part, {})
        else:
            raise TemplateError(
                f"customization {path!r}: {where} is a value, not an object or a list", loc
            )
    return tuple(placed)


def _known_fields(definition: dict[str, Any], placed: dict[str, tuple[str | int, ...]]) -> None:
    """A customization that adds a field the definition does not have (a typo such as
    ``sources.orders.partiton``) is refused here, naming the path, before any other check."""
    if not placed:
        return
    try:
        PipelineDefinition.model_validate(definition)
    except ValidationError as exc:
        unknown = {tuple(e["loc"]) for e in exc.errors() if e["type"] == "extra_forbidden"}
        for path, where in placed.items():
            extra = next(
                (where[:n] for n in range(1, len(where) + 1) if where[:n] in unknown), None
            )
            if extra is not None:
                raise TemplateError(
                    f"customization {path!r}: the pipeline definition has no field "
                    f"{extra[-1]!r} there (its fields are listed by "
                    "GET /v1/schemas/pipeline-definition)",
                    ["body", "customizations", path],
                ) from None


def _list_index(items: list[Any], part: str) -> int | None:
    if part.isdigit():
        return int(part) if int(part) < len(items) else None
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return index
    return None


@cache
def catalog() -> dict[str, Template]:
    """Every shipped template by id (``<industry>/<name>``)."""
    found: dict[str, Template] = {}
    for path in sorted(ROOT.glob("*/*.yaml")):
        raw = yaml.safe_load(path.read_text())
        template_id = f"{path.parent.name}/{path.stem}"
        found[template_id] = Template(
            id=template_id,
            name=raw["name"],
            industry=path.parent.name,
            version=str(raw["version"]),
            description=raw["description"].strip(),
            compliance=list(raw.get("compliance", [])),
            tags=list(raw.get("tags", [])),
            parameters=[Parameter(**p) for p in raw["parameters"]],
            definition=raw["definition"],
            sample_tables=list(raw.get("sample_tables", [])),
        )
    return found


def get(template_id: str) -> Template | None:
    return catalog().get(template_id)
