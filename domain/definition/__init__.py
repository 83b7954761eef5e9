"""The pipeline definition (``PipelineDefinition``) and the SQL rules it is checked with."""

from domain.definition.base import NAME_PATTERN, LoadMode, Name, Scalar, Severity
from domain.definition.checks import QualityCheck, age_seconds
from domain.definition.model import (
    Orchestration,
    PipelineDefinition,
    Sink,
    Source,
    definition_json_schema,
)
from domain.definition.sql import SQL_DIALECT, bind_parameters, parse_select, referenced_tables
from domain.definition.transformations import Transformation

__all__ = [
    "NAME_PATTERN",
    "SQL_DIALECT",
    "LoadMode",
    "Name",
    "Orchestration",
    "PipelineDefinition",
    "QualityCheck",
    "Scalar",
    "Severity",
    "Sink",
    "Source",
    "Transformation",
    "age_seconds",
    "bind_parameters",
    "definition_json_schema",
    "parse_select",
    "referenced_tables",
]
