"""Quality checks run on a dataset before anything is loaded."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from domain.definition.base import Name, Severity, _Strict
from domain.definition.sql import parse_select, referenced_tables

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
        low, high = self.min, self.max
        # The loop above refused anything but whole numbers: a pair of ints is left to compare.
        if isinstance(low, int) and isinstance(high, int) and low > high:
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
            return [*sorted(referenced_tables(self.sql))]
        return [self.dataset]
