"""Inputs and outputs of the data-assistant workflows (profile, natural-language query):
plain dataclasses, no I/O. Row data never travels here: profiles are aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ProfileInput:
    tenant_id: str
    connection_id: str
    table: str
    sample_size: int = 1000


@dataclass
class ProfileResult:
    """A table's profile (``connectors.profiling.TableProfile.as_dict()``), or why there is none."""

    profile: dict[str, Any] | None = None
    error_code: str | None = None
    error: str | None = None


@dataclass
class NLQueryInput:
    tenant_id: str
    connection_id: str
    question: str
    tables: list[str] = field(default_factory=list)  # what the question may read; [] = all
    use_llm: bool = False  # the API decides from its settings: an endpoint is configured
    max_repairs: int = 2  # validation errors sent back to the model


@dataclass
class SchemaRequest:
    tenant_id: str
    connection_id: str
    tables: list[str]


@dataclass
class TableSchema:
    name: str  # as the question's SQL names it: ``orders`` or ``sales.orders``
    columns: list[list[str]]  # [column, type]


@dataclass
class SchemaSnapshot:
    dialect: str  # sqlglot's name for the database's SQL
    connection_type: str
    tables: list[TableSchema] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # asked-for tables that do not exist


@dataclass
class Translation:
    sql: str | None
    explanation: str = ""
    error: str | None = None  # why the question could not be translated


@dataclass
class TranslateRequest:
    question: str
    schema: SchemaSnapshot


@dataclass
class CheckRequest:
    tenant_id: str
    connection_id: str
    sql: str
    schema: SchemaSnapshot


@dataclass
class CheckResult:
    sql: str | None = None  # normalized, in the database's dialect
    errors: list[dict[str, Any]] = field(default_factory=list)  # {loc, msg, type}
    estimated_rows: int | None = None
    estimated_time_ms: int | None = None


@dataclass
class NLQueryResult:
    sql: str | None
    explanation: str
    estimated_rows: int | None = None
    estimated_time_ms: int | None = None
    dialect: str = ""
    provider: str = "offline"
    model: str = "ductwork-rules"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    attempts: int = 1
    error_code: str | None = None  # set when no valid query came out
    errors: list[dict[str, Any]] = field(default_factory=list)
