"""Transformations: SQL, or declarative steps compiled to one SELECT (``domain.transforms``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain import transforms
from domain.definition.base import Name, _Strict
from domain.definition.sql import parse_select


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
    """A declarative step, compiled to one SELECT over its ``input`` (``domain.transforms``).

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
    ``domain.transforms``."""

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
