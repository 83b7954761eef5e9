"""The asset pipeline definition: what users send to define their own asset pipelines, and
what the built-in ones are written in.

An asset is a SQL query (a SELECT over the store connection's tables, ``:batch_id`` and the
config keys bound as literals) or a built-in Python step; its result replaces the asset's
table, or only the partitions it holds when ``partition_by`` names a key column.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator
from sqlglot import exp

from domain.definition.base import Name, Scalar, _Strict
from domain.definition.sql import parse_select

DEFAULT_DATABASE_FILE = "assets.duckdb"
RUN_PARAMETERS = ("batch_id", "run_id")
"""Parameters every run gives its SQL besides the config keys."""


PYTHON_STEPS = {
    "ingest_synthetic_batch": "a deterministic synthetic batch of parties (config batch_size)",
    "score_batch": "scores and bands of a batch's features with a scorecard version "
    "(config scorecard_version)",
    "train_model": "a logistic regression on the labelled features (config test_size, "
    "min_samples, auc_threshold)",
    "refine_scorecard": "a new scorecard version blending the model in (config blend_factor, "
    "scorecard_version)",
}
"""The built-in Python steps an asset may name (the credit-scoring package's)."""


class ConfigKey(_Strict):
    """A config key a trigger may set: its default, and the range a number must fall in."""

    default: Scalar = Field(description="value when the trigger's config does not set it")
    minimum: float | None = Field(default=None, description="smallest number accepted")
    maximum: float | None = Field(default=None, description="largest number accepted")
    description: str | None = None

    def check(self, key: str, value: Scalar) -> Scalar:
        """The value as this key takes it; ValueError saying what to send otherwise."""
        kind = _kind(self.default)
        if kind is not None and not _is(value, kind):
            raise ValueError(f"config.{key} must be {_KIND_WORDS[kind]}, not {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"config.{key} must be at least {self.minimum:g}, not {value}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"config.{key} must be at most {self.maximum:g}, not {value}")
        return float(value) if kind is float and isinstance(value, int) else value


_KIND_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _kind(default: Scalar) -> type | None:
    return None if default is None else type(default)


def _is(value: Scalar, kind: type) -> bool:
    if kind is bool or isinstance(value, bool):
        return kind is bool and isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)


class AssetSpec(_Strict):
    name: Name = Field(description="the asset's name; also its table's name unless `table`")
    description: str | None = None
    deps: list[Name] = Field(default_factory=list, description="assets materialised before it")
    sql: str | None = Field(
        default=None,
        description="a SELECT over the store connection's tables whose rows become the table; "
        ":batch_id, :run_id and the config keys are bound as literals",
    )
    python: str | None = Field(
        default=None, description="a built-in Python step (the credit-scoring package's)"
    )
    table: Name | None = Field(default=None, description="the table it writes (default: name)")
    partition_by: list[Name] = Field(
        default_factory=list,
        description="key columns: a run replaces only the rows whose key values it produced "
        "(e.g. [batch_id]), keeping the others; empty: the whole table is replaced",
    )
    outputs: dict[Name, str] = Field(
        default_factory=dict,
        description="a SQL asset's output: SQL aggregates over its new rows by key, e.g. "
        '{"rows": "COUNT(*)", "total": "SUM(amount)"}; default {"rows": "COUNT(*)"}',
    )
    min_rows: int | None = Field(
        default=None, ge=0, description="fail when the step produces fewer rows than this"
    )

    @model_validator(mode="after")
    def _one_step(self) -> AssetSpec:
        if (self.sql is None) == (self.python is None):
            raise ValueError(f"asset {self.name!r}: give exactly one of sql and python")
        if self.sql is not None and not parse_select(self.sql).selects:
            raise ValueError(f"asset {self.name!r}: its query selects no columns")
        for key, expression in self.outputs.items():
            try:
                parse_select(f"SELECT {expression} AS value FROM _asset_rows")
            except ValueError as exc:
                raise ValueError(f"asset {self.name!r}: outputs.{key}: {exc}") from None
        if self.outputs and self.sql is None:
            raise ValueError(f"asset {self.name!r}: outputs are for SQL assets")
        if self.python is not None and self.python not in PYTHON_STEPS:
            raise ValueError(
                f"asset {self.name!r}: unknown python step {self.python!r}; built-in steps are "
                f"{', '.join(PYTHON_STEPS)}"
            )
        return self

    @property
    def table_name(self) -> str:
        return self.table or self.name

    def parameters(self) -> set[str]:
        """The ``:name`` parameters its SQL uses."""
        if self.sql is None:
            return set()
        tree = parse_select(self.sql)
        return {p.name for p in tree.find_all(exp.Placeholder) if p.name}


class AssetPipelineDefinition(_Strict):
    name: Name = Field(description="the name /api/pipeline/trigger/{pipeline} addresses")
    description: str | None = None
    connection: str | None = Field(
        default=None,
        description="the tenant's connection (name or id, PostgreSQL or DuckDB) whose database "
        "holds the asset tables; default: the tenant's asset database file",
    )
    database_file: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,80}\.duckdb$",
        description="a DuckDB file in the tenant's directory (<data dir>/tenants/<tenant>/) "
        "that holds the asset tables when `connection` is not given or the tenant has no "
        f"such connection; default: {DEFAULT_DATABASE_FILE}",
    )
    schema_name: Name | None = Field(
        default=None,
        alias="schema",
        description="the schema the asset tables go to (created if missing); default: the "
        "connection's own (public in PostgreSQL, main in DuckDB)",
    )
    config: dict[Name, ConfigKey] = Field(
        default_factory=dict, description="the config keys a trigger may set, with defaults"
    )
    assets: list[AssetSpec] = Field(min_length=1, max_length=100)

    @field_validator("assets")
    @classmethod
    def _graph(cls, assets: list[AssetSpec]) -> list[AssetSpec]:
        names = [a.name for a in assets]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"asset names must be unique: {', '.join(duplicates)}")
        tables = [a.table_name for a in assets]
        shared = sorted({t for t in tables if tables.count(t) > 1})
        if shared:
            raise ValueError(f"each asset writes its own table; shared: {', '.join(shared)}")
        for asset in assets:
            unknown = [d for d in asset.deps if d not in names]
            if unknown:
                raise ValueError(f"asset {asset.name!r} depends on unknown {', '.join(unknown)}")
        _order(assets)
        return assets

    @model_validator(mode="after")
    def _parameters(self) -> AssetPipelineDefinition:
        known = set(self.config) | set(RUN_PARAMETERS)
        for asset in self.assets:
            missing = sorted(asset.parameters() - known)
            if missing:
                raise ValueError(
                    f"asset {asset.name!r} uses :{', :'.join(missing)}: declare them in config "
                    f"(run parameters are {', '.join(RUN_PARAMETERS)})"
                )
        for key in RUN_PARAMETERS:
            if key in self.config:
                raise ValueError(f"config.{key} is set by the run, not by config")
        return self

    def table(self, asset: AssetSpec) -> str:
        """The asset's table, qualified with the pipeline's schema when it has one."""
        return f"{self.schema_name}.{asset.table_name}" if self.schema_name else asset.table_name

    def asset(self, name: str) -> AssetSpec:
        return next(a for a in self.assets if a.name == name)

    def order(self) -> list[str]:
        """Asset names in an order where each comes after its dependencies."""
        return _order(self.assets)

    def resolve_config(self, given: dict[str, Any]) -> dict[str, Scalar]:
        """The run's config: defaults overlaid with ``given``; ValueError naming what to fix."""
        unknown = sorted(set(given) - set(self.config))
        if unknown:
            accepted = ", ".join(sorted(self.config)) or "none"
            raise ValueError(
                f"unknown config key(s) {', '.join(unknown)} for pipeline {self.name!r}: "
                f"accepted keys are {accepted}"
            )
        return {
            key: spec.check(key, given[key]) if key in given else spec.default
            for key, spec in self.config.items()
        }


def _order(assets: list[AssetSpec]) -> list[str]:
    deps = {a.name: list(a.deps) for a in assets}
    done: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = " -> ".join([*visiting[visiting.index(name) :], name])
            raise ValueError(f"assets depend on each other in a cycle: {cycle}")
        visiting.append(name)
        for dep in deps[name]:
            visit(dep)
        visiting.pop()
        done.append(name)

    for asset in assets:
        visit(asset.name)
    return done


def asset_definition_json_schema() -> dict[str, Any]:
    schema = AssetPipelineDefinition.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Ductwork asset pipeline definition"
    return schema
