"""The pipeline definition: sources, transformations, sinks, quality checks, orchestration.

Structural rules live here (names, SQL that parses, references between steps); checks against
real connections live in ``core.definition_checks``. The JSON Schema of this model is served at
``/v1/schemas/pipeline-definition``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlglot
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from sqlglot import exp

from connectors.postgres.sql import Relation

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,39}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, description="identifier: letters, digits, _")]
SQL_DIALECT = "postgres"


class LoadMode(StrEnum):
    append = "append"
    replace = "replace"
    merge = "merge"


class Severity(StrEnum):
    warn = "warn"
    fail = "fail"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
        "(seed 000 calls it partition_by)",
    )
    partitions: int = Field(
        default=1,
        ge=1,
        le=256,
        description="split the extract into this many ranges of 'split_by', run in parallel "
        "(by as many workers as there are)",
    )
    split_by: str | None = Field(
        default=None,
        description="a numeric, date or timestamp column to split on (default: the cursor)",
    )

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str | None) -> str | None:
        return value if value is None else str(Relation.parse(value))

    @model_validator(mode="after")
    def _table_or_query(self) -> Source:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        if self.query is not None:
            parse_select(self.query)
        if self.incremental and not self.cursor:
            raise ValueError("an incremental source needs 'cursor', the column to track")
        if self.partitions > 1 and not (self.split_by or self.cursor):
            raise ValueError("'partitions' needs 'split_by', the column to split the rows on")
        return self

    @property
    def split_column(self) -> str | None:
        return (self.split_by or self.cursor) if self.partitions > 1 else None


class Transformation(_Strict):
    """SQL over the extracted data; sources and earlier transformations are its tables."""

    name: Name
    type: Literal["sql"] = "sql"
    sql: str
    description: str | None = None

    @field_validator("sql")
    @classmethod
    def _parses(cls, sql: str) -> str:
        parse_select(sql)
        return sql


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

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str) -> str:
        return str(Relation.parse(value))

    @model_validator(mode="after")
    def _keys_when_needed(self) -> Sink:
        if self.mode is LoadMode.merge and not self.keys:
            raise ValueError("mode 'merge' needs 'keys', the columns that identify a row")
        if self.deduplicate and not self.keys:
            raise ValueError("'deduplicate' needs 'keys', the columns that identify a row")
        return self


class QualityCheck(_Strict):
    """A check on a dataset before anything is loaded; ``fail`` stops the run."""

    name: Name | None = None
    type: Literal["row_count", "not_null", "unique"]
    dataset: Name | None = Field(default=None, description="default: the last dataset")
    columns: list[str] = Field(default_factory=list)
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    severity: Severity = Severity.fail

    @model_validator(mode="after")
    def _arguments(self) -> QualityCheck:
        if self.type in ("not_null", "unique") and not self.columns:
            raise ValueError(f"a {self.type} check needs 'columns'")
        if self.type == "row_count" and self.min is None and self.max is None:
            raise ValueError("a row_count check needs 'min' or 'max'")
        return self


Scalar = str | int | float | bool | None


class Orchestration(_Strict):
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
            if check.dataset is not None and check.dataset.lower() not in known:
                raise ValueError(f"quality check reads {check.dataset!r}, which is not defined")
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
        return {p.name for q in queries for p in parse_select(q).find_all(exp.Placeholder)}

    def missing_parameters(self, given: dict[str, object]) -> list[str]:
        return sorted(self.placeholders() - set(given) - set(self.orchestration.parameters))

    def connection_refs(self) -> set[str]:
        return {s.connection for s in self.sources.values()} | {
            s.connection for s in self.sinks.values()
        }


_WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Drop,
    exp.Create,
    exp.Alter,
    exp.Merge,
    exp.TruncateTable,
)
_WRITE_COMMANDS = {"TRUNCATE", "GRANT", "REVOKE", "COPY", "VACUUM", "CALL", "DO"}


def parse_select(sql: str) -> exp.Query:
    """Parse one read-only query (SELECT / WITH / UNION); anything else is refused."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=SQL_DIALECT) if s is not None]
    except sqlglot.errors.ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        raise ValueError(
            f"SQL does not parse{where}: {first.get('description', exc)}".strip()
        ) from None
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement, found {len(statements)}")
    statement = statements[0]
    if isinstance(statement, _WRITES) or (
        isinstance(statement, exp.Command) and statement.name.upper() in _WRITE_COMMANDS
    ):
        raise ValueError(f"only a SELECT query is allowed here, not {statement.key.upper()}")
    if not isinstance(statement, exp.Query):
        start = sql.strip().split(None, 1)[0] if sql.strip() else ""
        raise ValueError(f"SQL does not parse as a SELECT query (it starts with {start!r})")
    if any(statement.find_all(*_WRITES)):
        raise ValueError("the query may only read: it contains a statement that writes")
    return statement


def referenced_tables(sql: str) -> set[str]:
    """Lower-cased names of the tables a query reads, CTE names excluded."""
    tree = parse_select(sql)
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return {
        t.name.lower()
        for t in tree.find_all(exp.Table)
        if t.name and t.name.lower() not in ctes and not t.db
    } | {f"{t.db}.{t.name}".lower() for t in tree.find_all(exp.Table) if t.db}


def bind_parameters(sql: str, values: dict[str, Scalar]) -> str:
    """Replace ``:name`` placeholders with SQL literals (never string-pasted into the SQL)."""

    def literal(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Placeholder) or not node.name:
            return node
        if node.name not in values:
            raise ValueError(f"no value for parameter :{node.name}")
        value = values[node.name]
        if value is None:
            return exp.null()
        if isinstance(value, bool):
            return exp.Boolean(this=value)
        if isinstance(value, int | float):
            return exp.Literal.number(value)
        return exp.Literal.string(str(value))

    return parse_select(sql).transform(literal).sql(dialect=SQL_DIALECT)


def definition_json_schema() -> dict[str, Any]:
    schema = PipelineDefinition.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Ductwork pipeline definition"
    return schema
