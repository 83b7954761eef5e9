"""Names, enums and the strict base model the definition is built of."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,39}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, description="identifier: letters, digits, _")]


class LoadMode(StrEnum):
    append = "append"
    replace = "replace"  # type: ignore[assignment]  # the word of definitions; shadows str.replace
    merge = "merge"


class Severity(StrEnum):
    warn = "warn"
    fail = "fail"
    approve = "approve"  # stops the run like fail until the lifecycle issue's gates


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Scalar = str | int | float | bool | None
