"""Inputs and outputs of GenerationWorkflow and its activities: plain dataclasses, no I/O.

No credential ever travels here: connections are referenced by id or name, and the activities
look up their secrets themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TableSpec:
    """A source or target as the request gave it (AI-ETL pipelines API): a connection and
    options."""

    connection: str  # connection id or name
    type: str | None = None
    schema: str | None = None
    table: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    database: str | None = None  # the target's ``database``: ClickHouse's database
    optional: bool = False  # a candidate the service chose: skipped when it cannot be read


@dataclass
class GenerationInput:
    generation_id: str
    tenant_id: str
    actor: str
    intent: str
    sources: list[TableSpec]
    targets: list[TableSpec]
    mode: str = "generate"  # generate | regenerate
    name: str | None = None
    project_id: str | None = None
    constraints: dict[str, Any] = field(default_factory=dict)
    hints: dict[str, Any] = field(default_factory=dict)
    use_llm: bool = False  # the worker's OpenAI-compatible endpoint, else the offline planner
    max_repairs: int = 2
    pipeline_id: str | None = None  # regenerate: the pipeline that gets a new version
    previous_definition: dict[str, Any] | None = None  # regenerate: what the modifications change
    chosen: list[str] = field(default_factory=list)  # what the service chose (said, not asked)
    review: list[str] = field(default_factory=list)  # choices a person should confirm


@dataclass
class Column:
    name: str
    type: str  # in the source system's words
    nullable: bool = True
    # A bounded sample of the column's distinct values (text columns with few of them), read
    # through the source connection: what words of an intent are matched against.
    values: list[str] = field(default_factory=list)


@dataclass
class DatasetSchema:
    """An introspected source table under the dataset name the definition gives it."""

    dataset: str
    connection: str  # the connection's name: what the definition references
    connection_type: str
    dialect: str
    schema: str | None
    table: str
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    # Declared foreign keys: [column, referenced table, referenced column].
    foreign_keys: list[list[str]] = field(default_factory=list)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


@dataclass
class TargetSchema:
    connection: str  # the connection's name
    connection_type: str
    dialect: str  # sqlglot's dialect of the DDL ("" for files: they have none)
    schema: str  # PostgreSQL/DuckDB schema, ClickHouse database, files: directory ("" = root)
    table: str
    options: dict[str, Any] = field(default_factory=dict)  # ClickHouse's engine/order_by/...
    existing_columns: list[Column] = field(default_factory=list)  # when the table exists
    format: str | None = None  # files: parquet, csv or jsonl

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


@dataclass
class GenerationContext:
    sources: list[DatasetSchema] = field(default_factory=list)
    target: TargetSchema | None = None
    errors: list[str] = field(default_factory=list)  # the request cannot be planned: why
    messages: list[dict[str, str]] = field(default_factory=list)  # the LLM's first messages
    repair_prompt: str = ""  # template of the repair message, ``{errors}`` filled in
    prompt_version: str = ""
    today: str = ""  # the generation's date (ISO): what "this year" was when it was planned


@dataclass
class Usage:
    provider: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


@dataclass
class PlanCheckInput:
    request: GenerationInput
    context: GenerationContext
    reply: str  # the model's (or offline planner's) JSON answer


@dataclass
class PlanCheck:
    """A plan parsed, validated and rendered; ``errors`` empty when it can be stored."""

    errors: list[str] = field(default_factory=list)
    definition: dict[str, Any] | None = None
    artifacts: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    tags: list[str] = field(default_factory=list)
    # What was understood (plain words tied to SQL) and what of the intent was not placed.
    interpretation: list[dict[str, str]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


@dataclass
class OfflinePlanInput:
    request: GenerationInput
    context: GenerationContext


@dataclass
class StoreGenerationInput:
    request: GenerationInput
    check: PlanCheck
    usage: Usage
    attempts: int
    errors: list[str] = field(default_factory=list)


@dataclass
class GenerationResult:
    generation_id: str
    status: str  # generated | needs_review | failed
    usage: Usage
    attempts: int
    errors: list[str] = field(default_factory=list)
    pipeline_id: str | None = None
    name: str | None = None
    version_number: int | None = None
    version: str | None = None
    description: str = ""
    tags: list[str] = field(default_factory=list)
    artifacts: dict[str, Any] = field(default_factory=dict)
    interpretation: list[dict[str, str]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
