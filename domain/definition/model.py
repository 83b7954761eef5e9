"""The pipeline definition: sources, transformations, sinks, quality checks, orchestration.

Structural rules live here (names, SQL that parses, references between steps); checks against
real connections live in ``services.definition_validation``. The JSON Schema of this model is
served at ``/v1/schemas/pipeline-definition``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from sqlglot import exp

from connectors.postgres.sql import Relation
from domain.definition.base import LoadMode, Name, Scalar, _Strict
from domain.definition.checks import QualityCheck
from domain.definition.sql import parse_select, referenced_tables, refused_expression
from domain.definition.transformations import Transformation


def plain_table_name(text: str) -> str:
    """``table`` or ``schema.table`` as stored (``schema.table``); ValueError for a name whose
    parts hold a quote, a dot or a control character: every system quotes these differently,
    and the stored form could not be read back."""
    relation = Relation.parse(text)
    for part in (relation.schema, relation.name):
        if any(ch in part for ch in '"`.') or any(ord(ch) < 32 or ord(ch) == 127 for ch in part):
            raise ValueError(
                f"{text!r} is not a usable table name: schema and table names may not contain "
                "quotes, backticks, dots or control characters"
            )
    return str(relation)


class Source(_Strict):
    """Rows to extract: a whole table or a SELECT, from one connection."""

    connection: str = Field(description="connection id or name")
    table: str | None = Field(default=None, description="'table' or 'schema.table'")
    query: str | None = Field(default=None, description="a single SELECT run in the source")
    incremental: bool = Field(
        default=False, description="extract only rows past the last run's high-water mark"
    )
    cursor: str | None = Field(
        default=None,
        validation_alias=AliasChoices("cursor", "partition_by"),
        description="the column whose high-water mark an incremental source keeps "
        "(the AI-ETL pipelines API calls it partition_by)",
    )
    partitions: int = Field(
        default=1,
        ge=1,
        le=256,
        description="split the extract into this many ranges of 'split_by', run as parallel "
        "activities that any worker may take",
    )
    split_by: str | None = Field(
        default=None,
        description="a numeric, date or timestamp column to split on (default: the cursor)",
    )
    options: dict[str, Any] | None = Field(
        default=None,
        description="a stream source's own options: Kafka's topic (or topics), consumer_group "
        "(the name its position is kept under) and start (earliest | latest, where a partition "
        "with no position yet begins)",
    )

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str | None) -> str | None:
        return value if value is None else plain_table_name(value)

    @model_validator(mode="after")
    def _table_or_query(self) -> Source:
        if self.topics and self.table is None and self.query is None:
            return self  # a stream source: its topics are what it reads
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query' (or a stream's 'topic')")
        if self.query is not None:
            parse_select(self.query)
        if self.incremental and not self.cursor:
            raise ValueError("an incremental source needs 'cursor', the column to track")
        if self.partitions > 1 and not (self.split_by or self.cursor):
            raise ValueError("'partitions' needs 'split_by', the column to split the rows on")
        return self

    @property
    def topics(self) -> list[str]:
        """A stream source's topics (options ``topic``/``topics``); else empty."""
        options = self.options or {}
        listed = options.get("topics") or options.get("topic") or []
        return [listed] if isinstance(listed, str) else [str(t) for t in listed]

    @property
    def split_column(self) -> str | None:
        return (self.split_by or self.cursor) if self.partitions > 1 else None


class Sink(_Strict):
    """Where one dataset is loaded, and how."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    connection: str = Field(description="connection id or name")
    table: str = Field(description="'table' or 'schema.table'; created when missing")
    mode: LoadMode = LoadMode.append
    input: Name | None = Field(
        default=None,
        alias="from",
        description="source or transformation to load; default: the last transformation, "
        "else the only source",
    )

    keys: list[str] = Field(
        default_factory=list, description="columns identifying a row: merge and deduplicate on them"
    )
    deduplicate: bool = Field(
        default=False, description="load one row per key, and none whose key the target has"
    )
    options: dict[str, Any] | None = Field(
        default=None,
        description="the target's own options: ClickHouse's engine (MergeTree family), "
        "order_by (columns) and partition_by (a column or an expression), as the AI-ETL "
        "pipelines API shows",
    )

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str) -> str:
        return plain_table_name(value)

    @field_validator("options")
    @classmethod
    def _partition_key(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """ClickHouse runs ``partition_by`` in its CREATE TABLE: no file, URL or server in it."""
        partition = (value or {}).get("partition_by")
        if partition:
            reason = refused_expression(str(partition), "clickhouse")
            if reason:
                raise ValueError(f"partition_by: {reason}")
        return value

    @model_validator(mode="after")
    def _keys_when_needed(self) -> Sink:
        if self.mode is LoadMode.merge and not self.keys:
            raise ValueError("mode 'merge' needs 'keys', the columns that identify a row")
        if self.deduplicate and not self.keys:
            raise ValueError("'deduplicate' needs 'keys', the columns that identify a row")
        return self


class StreamSettings(_Strict):
    """How a continuous pipeline cuts its stream into micro-batches."""

    batch_messages: int = Field(
        default=50_000, ge=1, le=1_000_000, description="at most this many messages per batch"
    )
    batch_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="a batch reads for at most this long"
    )
    idle_seconds: float = Field(
        default=1.0, ge=0, le=3600, description="the wait after a batch that found nothing new"
    )


class Orchestration(_Strict):
    mode: Literal["batch", "continuous"] = Field(
        default="batch",
        description="batch: each run ends; continuous: a run that keeps loading micro-batches "
        "of its stream sources until it is cancelled",
    )
    stream: StreamSettings = Field(default_factory=StreamSettings)
    retries: int = Field(default=3, ge=0, le=20, description="retries of each step")
    timeout_minutes: int = Field(default=60, ge=1, le=24 * 60, description="per step")
    schedule: str | None = Field(default=None, description="cron expression (scheduling issue)")
    timezone: str = "UTC"
    parameters: dict[Name, Scalar] = Field(
        default_factory=dict,
        description="defaults of the :name placeholders in SQL; a run's parameters override them",
    )


class PipelineDefinition(_Strict):
    sources: dict[Name, Source] = Field(min_length=1)
    transformations: list[Transformation] = Field(default_factory=list)
    sinks: dict[Name, Sink] = Field(min_length=1)
    quality_checks: list[QualityCheck] = Field(default_factory=list)
    orchestration: Orchestration = Field(default_factory=Orchestration)

    @model_validator(mode="after")
    def _references(self) -> PipelineDefinition:
        known = {name.lower() for name in self.sources}
        for t in self.transformations:
            if t.name.lower() in known:
                raise ValueError(f"transformation name {t.name!r} is already used")
            unknown = sorted(referenced_tables(t.sql) - known)
            if unknown:
                raise ValueError(
                    f"transformation {t.name!r} reads {', '.join(map(repr, unknown))}, which is "
                    f"not a source or an earlier transformation (known: {sorted(known)})"
                )
            known.add(t.name.lower())
        default = self.default_dataset()
        for name, sink in self.sinks.items():
            if sink.input is None and default is None:
                raise ValueError(f"sink {name!r} needs 'from': there are several sources")
            if sink.input is not None and sink.input.lower() not in known:
                raise ValueError(f"sink {name!r} reads {sink.input!r}, which is not defined")
        for check in self.quality_checks:
            unknown = sorted({d.lower() for d in check.inputs() if d} - known)
            if unknown:
                raise ValueError(
                    f"quality check {check.name or check.type!r} reads "
                    f"{', '.join(map(repr, unknown))}, which is not defined "
                    f"(known: {sorted(known)})"
                )
        self._check_incremental_sources()
        return self

    def _check_incremental_sources(self) -> None:
        """Each incremental source's high-water mark moves with exactly one load."""
        for name, source in self.sources.items():
            if not source.incremental:
                continue
            sinks = [
                s for s, sink in self.sinks.items() if name.lower() in self.lineage(sink.input)
            ]
            if len(sinks) != 1:
                raise ValueError(
                    f"incremental source {name!r} must feed exactly one sink, not {len(sinks)}"
                )
            if self.sinks[sinks[0]].mode is LoadMode.replace:
                raise ValueError(
                    f"sink {sinks[0]!r} replaces its table, which would keep only the new rows of "
                    f"incremental source {name!r}: use mode 'append' or 'merge'"
                )

    def lineage(self, dataset: str | None) -> set[str]:
        """Lower-cased names of every dataset that ``dataset`` (default: the last one) reads,
        itself included."""
        transforms = {t.name.lower(): t for t in self.transformations}
        pending = [(dataset or self.default_dataset() or "").lower()]
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in transforms:
                pending.extend(referenced_tables(transforms[name].sql))
        return seen

    def default_dataset(self) -> str | None:
        if self.transformations:
            return self.transformations[-1].name
        return next(iter(self.sources)) if len(self.sources) == 1 else None

    def placeholders(self) -> set[str]:
        """The ``:name`` parameters the pipeline's SQL uses."""
        queries = [s.query for s in self.sources.values() if s.query]
        queries += [t.sql for t in self.transformations]
        queries += [c.sql for c in self.quality_checks if c.sql]
        return {name for q in queries for name in sql_placeholders(q)}

    def missing_parameters(self, given: dict[str, object]) -> list[str]:
        return sorted(self.placeholders() - set(given) - set(self.orchestration.parameters))

    def connection_refs(self) -> set[str]:
        return {s.connection for s in self.sources.values()} | {
            s.connection for s in self.sinks.values()
        }


@lru_cache(maxsize=1024)
def sql_placeholders(sql: str) -> frozenset[str]:
    """The ``:name`` parameters one query uses. Parsed once per text: every run's submission
    asks (``missing_parameters``), and a parse costs about half a millisecond."""
    return frozenset(p.name for p in parse_select(sql).find_all(exp.Placeholder))


def definition_json_schema() -> dict[str, Any]:
    schema = PipelineDefinition.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Ductwork pipeline definition"
    return schema
