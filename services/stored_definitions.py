"""A pipeline version's stored definition as the model. One written before a rule existed (or
by hand) may not validate any more: it is then a 409 ``INVALID_STORED_DEFINITION`` that says how
to fix it, on every surface that needs the model (runs, lineage, new versions)."""

from __future__ import annotations

from pydantic import ValidationError

from domain.definition import PipelineDefinition
from store.errors import Conflict
from store.models import Pipeline, PipelineVersion


def definition_of(pipeline: Pipeline, version: PipelineVersion) -> PipelineDefinition:
    try:
        return PipelineDefinition.model_validate(version.definition)
    except ValidationError as exc:
        first = ".".join(map(str, exc.errors()[0]["loc"])) or "the top level"
        raise Conflict(
            f"pipeline {pipeline.name!r}: its stored definition (version {version.label}) is not "
            f"valid ({exc.error_count()} problem(s), first at {first}); save a corrected one "
            f"with PUT /v1/pipelines/{pipeline.id}",
            code="INVALID_STORED_DEFINITION",
        ) from None
