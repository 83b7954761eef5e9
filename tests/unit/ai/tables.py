"""Small schemas for the planner's unit tests: tables of a PostgreSQL source, keyed by ``id``."""

from __future__ import annotations

from collections.abc import Sequence

from ai.generation.intent.understand import Query, understand
from workflows.generation_payloads import Column, DatasetSchema

ColumnSpec = Column | tuple[str, str] | tuple[str, str, bool]
"""A Column, ``(name, type)`` (nullable unless it is ``id``), or ``(name, type, nullable)``."""


def table(
    name: str,
    columns: Sequence[ColumnSpec],
    foreign_keys: list[list[str]] | None = None,
    *,
    connection: str = "src",
    schema: str | None = None,
) -> DatasetSchema:
    """The table ``name`` of ``connection``; ``foreign_keys``: ``[column, table, column]`` each."""
    return DatasetSchema(
        dataset=name,
        connection=connection,
        connection_type="postgresql",
        dialect="postgres",
        schema=schema,
        table=name,
        columns=[_column(spec) for spec in columns],
        primary_key=["id"],
        foreign_keys=foreign_keys or [],
    )


def _column(spec: ColumnSpec) -> Column:
    if isinstance(spec, Column):
        return spec
    if len(spec) == 2:
        return Column(spec[0], spec[1], spec[0] != "id")
    return Column(*spec)


def understood(intent: str, tables: Sequence[DatasetSchema]) -> Query:
    """The planner's reading of ``intent`` over ``tables``, with nothing left open."""
    query = understand(intent, list(tables))
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return query
