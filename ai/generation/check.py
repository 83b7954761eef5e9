"""Check a planned pipeline against the real schemas, then render its artifacts.

A plan is the JSON a model (or the offline planner) answers. It is parsed into the definition
model, its SQL is qualified against the introspected columns, and it may only read the tables
it was given and load the one target it was asked for. Whatever fails comes back as a list of
errors the repair loop sends to the model; nothing of a failing plan is used.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from ai.generation import render
from ai.streams import as_continuous
from connectors.registry import target_problem
from domain.definition import PipelineDefinition, parse_select
from workflows.generation_payloads import GenerationContext, GenerationInput, PlanCheck

_UNSIGNED = {
    "UTINYINT": "SMALLINT",
    "USMALLINT": "INT",
    "UMEDIUMINT": "INT",
    "UINT": "BIGINT",
    "UBIGINT": "DECIMAL(20, 0)",
}
# Credentials inlined in a URL (scheme://user:password@host) or as a key = value pair.
_CREDENTIAL = re.compile(
    r"://[^/\s:@'\"]+:[^@\s'\"]+@|\b(?:password|passwd|pwd|secret|api_key|token)\b\s*[=:]\s*['\"]?[^\s'\",)]+",
    re.I,
)


def parse_reply(text: str) -> dict[str, Any]:
    """The JSON object of a reply (code fences and prose around it tolerated)."""
    stripped = text.strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", stripped, re.S)
    if fenced:
        stripped = fenced.group(1)
    elif not stripped.startswith("{"):
        start, end = stripped.find("{"), stripped.rfind("}")
        if start < 0 or end <= start:
            raise ValueError("the reply is not a JSON object")
        stripped = stripped[start : end + 1]
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON: {exc}") from None
    if not isinstance(value, dict) or not isinstance(value.get("definition"), dict):
        raise ValueError('the reply must be a JSON object with a "definition" object')
    return value


def check_plan(request: GenerationInput, context: GenerationContext, reply: str) -> PlanCheck:
    try:
        answer = parse_reply(reply)
    except ValueError as exc:
        return PlanCheck(errors=[str(exc)])
    try:
        definition = PipelineDefinition.model_validate(answer["definition"])
        definition = as_continuous(definition, request.sources, context.sources)  # Kafka sources
    except ValidationError as exc:
        return PlanCheck(errors=[_pydantic_error(e) for e in exc.errors()])
    errors, columns = check_against_schemas(definition, context)
    if errors:
        return PlanCheck(errors=errors)
    stored = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    artifacts = render.artifacts(request, context, definition, columns, answer)
    errors = artifacts["validation"]["errors"]
    leaked = credential_leaks(artifacts)
    if leaked:
        errors = [*errors, *leaked]
    if errors:
        return PlanCheck(errors=list(errors))
    return PlanCheck(
        definition=stored,
        artifacts=artifacts,
        description=str(answer.get("description") or "")[:2000],
        tags=[str(t)[:40] for t in answer.get("tags") or []][:20],
        interpretation=interpretation(answer),
        unresolved=[str(u)[:300] for u in answer.get("unresolved") or [] if str(u).strip()][:50],
    )


def interpretation(answer: dict[str, Any]) -> list[dict[str, str]]:
    """The reply's ``interpretation``: each part with its kind, words, plain text and SQL."""
    out = []
    for item in answer.get("interpretation") or []:
        if isinstance(item, dict) and item.get("text"):
            out.append({k: str(item.get(k) or "")[:1000] for k in ("kind", "words", "text", "sql")})
        elif isinstance(item, str) and item.strip():
            out.append({"kind": "", "words": "", "text": item[:1000], "sql": ""})
    return out[:100]


def schema_map(context: GenerationContext) -> dict[str, dict[str, str]]:
    return {
        d.dataset.lower(): {c.name: _type(c.type, d.dialect) for c in d.columns}
        for d in context.sources
    }


def check_against_schemas(
    definition: PipelineDefinition, context: GenerationContext
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Errors, and every dataset's output columns with their (PostgreSQL) types."""
    errors: list[str] = []
    available = {d.dataset.lower(): d for d in context.sources}
    target = context.target
    columns: dict[str, dict[str, str]] = {}
    for name, source in definition.sources.items():
        dataset = available.get(name.lower())
        if dataset is None:
            errors.append(
                f"source {name!r} is not one of the given tables "
                f"(use one of {sorted(available)} as the source name)"
            )
            continue
        if source.connection not in (dataset.connection,):
            errors.append(f"source {name!r} must use connection {dataset.connection!r}")
        if source.table and source.table.lower() not in (
            dataset.qualified.lower(),
            dataset.table.lower(),
            f"public.{dataset.table}".lower(),
        ):
            errors.append(f"source {name!r} must read table {dataset.qualified!r}")
        if source.query:
            errors.append(f"source {name!r}: read the whole table; filter in a transformation")
        columns[name.lower()] = schema_map(context)[name.lower()]
        for col in (source.cursor, source.split_by):
            if col and col.lower() not in {c.lower() for c in columns[name.lower()]}:
                errors.append(
                    f"source {name!r}: column {col!r} does not exist in "
                    f"{dataset.qualified} (columns: {sorted(columns[name.lower()])})"
                )
    if errors:
        return errors, columns
    for t in definition.transformations:
        try:
            tree = qualify(
                parse_select(t.sql),
                schema={k: v for k, v in columns.items()},
                dialect="postgres",
                validate_qualify_columns=True,
                quote_identifiers=False,
            )
            # A copy typed as sqlglot declares it (it only reads the mapping).
            typed = annotate_types(tree, schema=dict[str, object](columns), dialect="postgres")
        except (OptimizeError, SqlglotError, ValueError) as exc:
            errors.append(f"transformation {t.name!r}: {exc}")
            continue
        names = typed.named_selects
        if len(set(map(str.lower, names))) != len(names) or any(not n for n in names):
            errors.append(
                f"transformation {t.name!r}: every output column needs a unique name (got {names})"
            )
            continue
        columns[t.name.lower()] = {
            n: _output_type(s) for n, s in zip(names, typed.selects, strict=True)
        }
    if errors:
        return errors, columns
    for name, sink in definition.sinks.items():
        if target is None or sink.connection != target.connection:
            errors.append(
                f"sink {name!r} must load into connection {target.connection if target else None!r}"
            )
        elif sink.table.lower() != target.qualified.lower():
            errors.append(
                f"sink {name!r} must load into table {target.qualified!r}, the target asked for"
            )
        elif problem := target_problem(
            target.connection_type,
            sink.mode.value,
            list(sink.keys),
            sink.deduplicate,
            sink.options or {},
        ):
            where, reason = problem
            errors.append(f"sink {name!r}: {where}: {reason}")
        read = (sink.input or definition.default_dataset() or "").lower()
        have = {c.lower() for c in columns.get(read, {})}
        for key in sink.keys:
            if key.lower() not in have:
                errors.append(
                    f"sink {name!r}: key {key!r} is not a column of {read!r} "
                    f"(columns: {sorted(have)})"
                )
    for check in definition.quality_checks:
        read = (check.dataset or definition.default_dataset() or "").lower()
        have = {c.lower() for c in columns.get(read, {})}
        wanted = list(getattr(check, "columns", None) or [])
        if getattr(check, "column", None):
            wanted.append(check.column)
        for col in wanted:
            if have and col.lower() not in have:
                errors.append(
                    f"quality check {check.name or check.type!r}: column {col!r} is "
                    f"not a column of {read!r} (columns: {sorted(have)})"
                )
    return errors, columns


def credential_leaks(artifacts: dict[str, Any], secrets: list[str] | None = None) -> list[str]:
    """Places where an artifact would carry a credential."""
    leaks: list[str] = []
    for key, value in artifacts.items():
        text = value if isinstance(value, str) else json.dumps(value)
        if _CREDENTIAL.search(text):
            leaks.append(f"artifact {key} would carry a credential: reference connections instead")
        for secret in secrets or []:
            if secret and len(secret) >= 4 and secret in text:
                leaks.append(f"artifact {key} contains a connection's password")
    return leaks


def _type(source_type: str, dialect: str) -> str:
    try:
        built = exp.DataType.build(source_type, dialect=dialect, udt=True)
    except (SqlglotError, ValueError):
        return "TEXT"
    return _postgres_type(built)


_T = exp.DataType.Type
_NO_PARAMETERS = {  # MySQL's display widths (BIGINT(20)) mean nothing to PostgreSQL
    _T.TINYINT, _T.SMALLINT, _T.MEDIUMINT, _T.INT, _T.BIGINT, _T.UTINYINT, _T.USMALLINT,
    _T.UMEDIUMINT, _T.UINT, _T.UBIGINT, _T.FLOAT, _T.DOUBLE, _T.BOOLEAN, _T.TEXT,
}  # fmt: skip
_AS_TEXT = {_T.ENUM, _T.SET, _T.USERDEFINED, _T.UNKNOWN, _T.NULL}


def _postgres_type(built: exp.DataType) -> str:
    """A type PostgreSQL accepts in a CREATE TABLE."""
    if built.this in _AS_TEXT:
        return "TEXT"
    if built.this in _NO_PARAMETERS:
        built = exp.DataType(this=built.this)
    sql = built.sql("postgres")
    return _UNSIGNED.get(sql, sql)


def _output_type(select: exp.Expr) -> str:
    type_ = select.type
    if type_ is None or type_.is_type(exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL):
        return "TEXT"
    return _postgres_type(type_)


def _pydantic_error(error: ErrorDetails) -> str:
    loc = ".".join(str(x) for x in error.get("loc", ()))
    msg = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"definition.{loc}: {msg}" if loc else f"definition: {msg}"
