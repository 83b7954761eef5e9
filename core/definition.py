"""The pipeline definition: sources, transformations, sinks, quality checks, orchestration.

Structural rules live here (names, SQL that parses, references between steps); checks against
real connections live in ``core.definition_checks``. The JSON Schema of this model is served at
``/v1/schemas/pipeline-definition``.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlglot
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictFloat,
    StrictInt,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from sqlglot import exp

from connectors.postgres.sql import Relation
from core import transforms

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
    approve = "approve"  # stops the run like fail until the lifecycle issue's gates


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


class SqlTransformation(_Strict):
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


class _Step(_Strict):
    """A declarative step, compiled to one SELECT over its ``input`` (``core.transforms``).

    ``sql`` is that SELECT, so the rest of the code reads every transformation alike."""

    name: Name
    input: Name = Field(description="the source or earlier transformation it reads")
    description: str | None = None

    @property
    def sql(self) -> str:
        return self._compile()

    def _compile(self) -> str:
        raise NotImplementedError

    @model_validator(mode="after")
    def _compiles(self) -> _Step:
        parse_select(self.sql)
        return self


class RenameStep(_Step):
    """Rename columns (pure SQL); the renamed columns come first, the others keep their order.

    The renamed columns' types need an ``=`` operator (not json, xml, point): see
    ``core.transforms``."""

    type: Literal["rename"]
    columns: dict[str, str] = Field(min_length=1, description='{"old_name": "new_name"}')

    def _compile(self) -> str:
        return transforms.compile_rename(self.input, self.columns)


class CastStep(_Step):
    """Change column types, each column staying in its place (resolved at run time)."""

    type: Literal["cast"]
    columns: dict[str, str] = Field(
        min_length=1, description='{"column": "SQL type"}, e.g. {"amount": "numeric(12, 2)"}'
    )

    def _compile(self) -> str:
        return transforms.compile_cast(self.input, self.columns)


class FilterStep(_Step):
    """Keep the rows for which a SQL boolean expression is true."""

    type: Literal["filter"]
    condition: str = Field(description="a SQL boolean expression over the input's columns")

    def _compile(self) -> str:
        return transforms.compile_filter(self.input, self.condition)


class DeriveStep(_Step):
    """Add columns computed from SQL expressions over the input's columns."""

    type: Literal["derive"]
    columns: dict[str, str] = Field(
        min_length=1, description='{"new_column": "SQL expression"}; new names only'
    )

    def _compile(self) -> str:
        return transforms.compile_derive(self.input, self.columns)


class LookupJoinStep(_Step):
    """Add columns of the matching row of another dataset."""

    type: Literal["lookup_join"]
    lookup: Name = Field(description="the source or earlier transformation to look up in")
    on: dict[str, str] = Field(min_length=1, description='{"input_column": "lookup_column"}')
    columns: list[str] = Field(
        min_length=1, description="the lookup's columns to add (names the input does not have)"
    )
    how: Literal["left", "inner"] = Field(
        default="left", description="left keeps rows without a match, inner drops them"
    )

    def _compile(self) -> str:
        return transforms.compile_lookup_join(
            self.input, self.lookup, self.on, self.columns, self.how
        )


TRANSFORMATION_TYPES = ("sql", "rename", "cast", "filter", "derive", "lookup_join")


def _transformation_type(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("type", "sql")
    return getattr(value, "type", None)


def _located_at_the_step(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Report errors at ``transformations.<i>.<field>``, without the union's tag in between."""
    try:
        return handler(value)
    except ValidationError as exc:
        errors: list[InitErrorDetails] = []
        for error in exc.errors():
            loc = error["loc"]
            if loc and loc[0] in TRANSFORMATION_TYPES:
                loc = loc[1:]
            kind = PydanticCustomError(error["type"], error["msg"])  # no context: as is
            errors.append({"type": kind, "loc": loc, "input": error["input"]})
        raise ValidationError.from_exception_data(exc.title, errors) from None


Transformation = Annotated[
    Annotated[SqlTransformation, Tag("sql")]
    | Annotated[RenameStep, Tag("rename")]
    | Annotated[CastStep, Tag("cast")]
    | Annotated[FilterStep, Tag("filter")]
    | Annotated[DeriveStep, Tag("derive")]
    | Annotated[LookupJoinStep, Tag("lookup_join")],
    Discriminator(
        _transformation_type,
        custom_error_type="transformation_type",
        custom_error_message="'type' must be one of "
        + ", ".join(map(repr, TRANSFORMATION_TYPES))
        + " (default 'sql')",
    ),
    WrapValidator(_located_at_the_step),
]


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


CHECK_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "row_count": ("min", "max"),
    "not_null": ("columns",),
    "unique": ("columns",),
    "accepted_values": ("column", "values"),
    "range": ("column", "min", "max"),
    "freshness": ("column", "max_age"),
    "custom_sql": ("sql",),
}
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _not_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number or an ISO date or timestamp, not a boolean")
    return value


Bound = Annotated[StrictInt | StrictFloat | str, BeforeValidator(_not_boolean)]


def age_seconds(text: str) -> int:
    """A freshness ``max_age`` such as ``30m``, ``24h`` or ``7d``, in seconds."""
    match = re.fullmatch(r"([0-9]+)([smhdw])", text.strip())
    if not match or int(match[1]) == 0:
        raise ValueError(
            f"max_age {text!r} is not a duration such as '30m', '24h' or '7d' "
            "(a whole number and a unit: s, m, h, d or w)"
        )
    return int(match[1]) * _AGE_UNITS[match[2]]


class QualityCheck(_Strict):
    """A check on a dataset before anything is loaded; ``fail`` stops the run, ``warn`` logs.

    ``approve`` is accepted and, until the lifecycle issue brings approval gates, stops the run
    like ``fail``. NULLs are left to ``not_null``: accepted_values, range and freshness skip them.
    """

    name: Name | None = None
    type: Literal[
        "row_count", "not_null", "unique", "accepted_values", "range", "freshness", "custom_sql"
    ]
    dataset: Name | None = Field(default=None, description="default: the last dataset")
    columns: list[str] = Field(default_factory=list, description="not_null, unique")
    column: str | None = Field(
        default=None, description="accepted_values, range, freshness: the column checked"
    )
    values: list[bool | int | float | str] | None = Field(
        default=None, description="accepted_values: the allowed values"
    )
    min: Bound | None = Field(
        default=None,
        description="row_count: fewest rows; range: lowest value, inclusive "
        "(a number, or an ISO date or timestamp)",
    )
    max: Bound | None = Field(
        default=None, description="row_count: most rows; range: highest value, inclusive"
    )
    max_age: str | None = Field(
        default=None, description="freshness: the newest value's greatest age, e.g. 30m, 24h, 7d"
    )
    sql: str | None = Field(
        default=None,
        description="custom_sql: a SELECT over datasets (by name) whose first column is the "
        "number of failing rows",
    )
    severity: Severity = Severity.fail

    @field_validator("sql")
    @classmethod
    def _sql_parses(cls, sql: str | None) -> str | None:
        if sql is not None:
            parse_select(sql)
        return sql

    @field_validator("max_age")
    @classmethod
    def _age(cls, value: str | None) -> str | None:
        if value is not None:
            age_seconds(value)
        return value

    @model_validator(mode="after")
    def _arguments(self) -> QualityCheck:
        takes = CHECK_ARGUMENTS[self.type]
        given = [
            f
            for f in ("dataset", "columns", "column", "values", "min", "max", "max_age", "sql")
            if getattr(self, f) not in (None, [])
        ]
        extra = [f for f in given if f not in (*takes, "dataset")]
        if self.type == "custom_sql" and "dataset" in given:
            extra.insert(0, "dataset")
        if extra:
            raise ValueError(
                f"a {self.type} check does not take {', '.join(map(repr, extra))} "
                f"(it takes {', '.join(map(repr, takes))})"
            )
        if self.type in ("not_null", "unique") and not self.columns:
            raise ValueError(f"a {self.type} check needs 'columns'")
        if self.type in ("accepted_values", "range", "freshness") and not self.column:
            raise ValueError(f"a {self.type} check needs 'column', the column to check")
        if self.type == "row_count":
            self._row_count_bounds()
        elif self.type == "accepted_values" and not self.values:
            raise ValueError("an accepted_values check needs 'values', the allowed values")
        elif self.type == "range":
            self._range_bounds()
        elif self.type == "freshness" and self.max_age is None:
            raise ValueError("a freshness check needs 'max_age', e.g. '24h', '7d' or '30m'")
        elif self.type == "custom_sql" and self.sql is None:
            raise ValueError(
                "a custom_sql check needs 'sql', a SELECT returning the number of failing rows"
            )
        return self

    def _row_count_bounds(self) -> None:
        if self.min is None and self.max is None:
            raise ValueError("a row_count check needs 'min' or 'max'")
        for key in ("min", "max"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(
                    f"a row_count check's {key!r} is a number of rows (a whole number >= 0), "
                    f"not {value!r}"
                )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"'min' ({self.min}) is greater than 'max' ({self.max})")

    def _range_bounds(self) -> None:
        bounds = {k: v for k in ("min", "max") if (v := getattr(self, k)) is not None}
        if not bounds:
            raise ValueError("a range check needs 'min' or 'max' (inclusive)")
        moments = {}
        for key, value in bounds.items():
            if isinstance(value, str):
                try:
                    moments[key] = datetime.fromisoformat(value)
                except ValueError:
                    raise ValueError(
                        f"a range check's {key!r} is a number or an ISO date or timestamp "
                        f"(e.g. '2026-01-31' or '2026-01-31T12:00:00Z'), not {value!r}"
                    ) from None
        if len(bounds) == 2:
            if len(moments) == 1:
                raise ValueError("a range check's 'min' and 'max' must both be numbers or dates")
            low, high = (moments or bounds)["min"], (moments or bounds)["max"]
            try:
                inverted = low > high
            except TypeError:  # one has a time zone, the other not: PostgreSQL decides
                inverted = False
            if inverted:
                raise ValueError(f"'min' ({self.min}) is greater than 'max' ({self.max})")

    def inputs(self) -> list[str | None]:
        """The datasets the check reads (None: the default dataset)."""
        if self.type == "custom_sql" and self.sql:
            return sorted(referenced_tables(self.sql))
        return [self.dataset]


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
